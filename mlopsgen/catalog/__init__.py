"""The platform's vocabulary, one module per concept, read by every stage.

conventions  label keys, ports, peers and every name derived from spec names
modes        the network modes: what each allows, renders and lint expects
runtimes     the serving runtimes (KServe, Seldon): kinds, ports, probes, labels
hardening    the pod and container security blocks every workload carries
promql       the metric queries alerts and dashboards share

Nothing here reads files or renders templates; the platform model, render and
lint import from here, never the other way round.
"""
