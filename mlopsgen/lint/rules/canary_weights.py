"""Flags traffic splits that do not add up to 100.

## What it does
Reports Istio VirtualService HTTP routes whose destination weights do not sum
to 100, and SeldonDeployments whose predictors' `traffic` does not.

## Why is this bad?
Istio rejects or renormalises such splits depending on the version, so the
canary gets a share nobody chose; a forgotten weight can send 0 % or 100 % of
production traffic to an unvalidated model.

## Example
```yaml
route:
  - {destination: {host: fraud, subset: stable}, weight: 90}
  - {destination: {host: fraud, subset: canary}, weight: 20}
```

## Use instead
```yaml
route:
  - {destination: {host: fraud, subset: stable}, weight: 80}
  - {destination: {host: fraud, subset: canary}, weight: 20}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mlopsgen.kube.walk import get, items
from mlopsgen.lint.finding import Issue

ID = "MLG031"
SLUG = "canary-weights"
SEVERITY = "error"
SUMMARY = "traffic weights that do not sum to 100"


def check_manifest(manifest) -> Iterator[Issue]:
    spec = manifest.data.get("spec") if isinstance(manifest.data, dict) else None
    if not isinstance(spec, dict):
        return
    if manifest.kind == "VirtualService":
        for i, http in enumerate(items(spec.get("http"))):
            routes = items(get(http, "route"))
            if len(routes) < 2 and not any(get(r, "weight") is not None for r in routes):
                continue
            weights = [get(r, "weight", default=0) for r in routes]
            if all(isinstance(w, int) for w in weights) and sum(weights) != 100:
                line, column = manifest.position(("spec", "http", i, "route"))
                yield Issue(line, column, f"route weights of VirtualService '{manifest.name}' sum to {sum(weights)}",
                            "make the weights add up to 100")
    elif manifest.kind == "SeldonDeployment":
        predictors = items(spec.get("predictors"))
        traffic = [get(p, "traffic", default=0) for p in predictors]
        if len(predictors) > 1 and all(isinstance(t, int) for t in traffic) and sum(traffic) != 100:
            line, column = manifest.position(("spec", "predictors"))
            yield Issue(line, column, f"predictor traffic of SeldonDeployment '{manifest.name}' sums to {sum(traffic)}",
                        "make the traffic shares add up to 100")
