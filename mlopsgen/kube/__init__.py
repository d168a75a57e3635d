"""The Kubernetes semantics lint and verify share, below both (neither imports the other):

yaml.py     reading YAML as the API server reads it (YAML 1.1 scalars), positions on demand
fastread.py the fast path of that reader: fastyaml-rs, where its reading is provably the same
bounds.py   depth and alias bounds on a file before it is built
manifest.py a manifest file and its documents, read through the bounds (regular files, size)
selectors.py label selectors as the API server evaluates them
netpol.py   NetworkPolicy: API defaults, which pods a policy isolates, and the one evaluator of which
            connections a cluster's policies allow (lint's rules and verify's journeys both use it)
istio.py    the Istio evaluator: PeerAuthentication mTLS modes, AuthorizationPolicy DENY/ALLOW, JWT issuers
ports.py    port sets: what a rule's `ports` admits (named ports, endPort)
workloads.py the pod templates of every workload kind a platform runs, from one table
walk.py     safe lookups and string walks over parsed YAML
"""
