"""The Kubernetes semantics lint and verify share, below both (neither imports the other):

yaml.py     reading YAML as the API server reads it (YAML 1.1 scalars), positions on demand
bounds.py   depth and alias bounds on a file before it is built
manifest.py a manifest file and its documents, read through the bounds (regular files, size)
selectors.py label selectors as the API server evaluates them
netpol.py   NetworkPolicy semantics: API defaults, which pods a policy isolates
workloads.py the pod templates of every workload kind a platform runs, from one table
"""
