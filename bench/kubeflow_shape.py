"""A repository in the shape of Kubeflow's manifests, generated (nothing large is committed).

Components with a Kustomize base (Deployment, Service, ServiceAccount, RBAC,
ConfigMap, one file each), overlays per environment with patches and a
namespace, optional components, upstream-size CRDs (controller-gen layout,
hundreds of properties with descriptions), and a Helm chart with templates.

    python bench/kubeflow_shape.py DIR [--components N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

BASE_FILES = {
    "deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}, app.kubernetes.io/part-of: kubeflow}}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, app.kubernetes.io/version: "1.9.{i}"}}
      annotations: {{sidecar.istio.io/inject: "true"}}
    spec:
      serviceAccountName: {name}
      containers:
        - name: manager
          image: ghcr.io/kubeflow/{name}:v1.9.{i}
          args: ["--metrics-addr=:8080", "--leader-elect"]
          env:
            - {{name: KFP_HOST, value: "http://ml-pipeline.kubeflow.svc.cluster.local:8888"}}
            - {{name: POD_NAMESPACE, valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}}}
          ports: [{{containerPort: 8080, name: http}}]
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          securityContext: {{allowPrivilegeEscalation: false, runAsNonRoot: true}}
""",
    "service.yaml": """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
""",
    "service-account.yaml": """apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
""",
    "role.yaml": """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {name}
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets, services, pods]
    verbs: [get, list, watch, create, update, patch, delete]
  - apiGroups: [apps]
    resources: [deployments, statefulsets]
    verbs: [get, list, watch]
""",
    "role-binding.yaml": """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {name}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {name}}}
subjects: [{{kind: ServiceAccount, name: {name}, namespace: kubeflow}}]
""",
    "params.yaml": """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  LOG_LEVEL: info
  DB_HOST: mysql.kubeflow.svc.cluster.local
  config.json: |
    {{"namespace": "kubeflow", "cacheEnabled": true, "retries": {i}}}
""",
}
POLICY = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
"""
PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
        - name: manager
          resources:
            limits: {{cpu: "2", memory: 1Gi}}
"""
CHART_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "chart.fullname" . }}}}
  labels:
    {{{{- include "chart.labels" . | nindent 4 }}}}
spec:
  {{{{- if not .Values.autoscaling.enabled }}}}
  replicas: {{{{ .Values.replicaCount }}}}
  {{{{- end }}}}
  template:
    spec:
      containers:
        - name: part-{i}
          image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}"
"""


def _crd(n: int, properties: int) -> str:
    props = "".join(
        f"                  field{p}:\n"
        f"                    description: Field{p} configures part {p} of the resource. It is merged with the\n"
        f"                      defaults of the controller; see the user guide for the values it accepts.\n"
        f"                    type: {'string' if p % 3 else 'integer'}\n"
        + ("                    enum: [=, '!=', In, NotIn]\n" if p % 50 == 0 else "")
        for p in range(properties))
    return f"""---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations: {{controller-gen.kubebuilder.io/version: v0.16.4}}
  name: kinds{n}.kubeflow.org
spec:
  group: kubeflow.org
  names: {{kind: Kind{n}, listKind: Kind{n}List, plural: kinds{n}, singular: kind{n}}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
{props}"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def kubeflow_shape(root: Path, components: int = 60, crds: int = 8, crd_properties: int = 1500) -> dict[str, int]:
    """Write the repository; returns counts of what it holds."""
    files = templates = 0
    for c in range(components):
        name = f"component-{c:02d}"
        app = root / "apps" / name / "upstream"
        for file, text in BASE_FILES.items():
            write(app / "base" / file, text.format(name=name, i=c))
        write(app / "base" / "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
              "resources:\n" + "".join(f"  - {f}\n" for f in BASE_FILES))
        files += len(BASE_FILES) + 1
        for env, replicas in (("dev", 1), ("staging", 2), ("prod", 3)):
            write(app / "overlays" / env / "patch-deployment.yaml", PATCH.format(name=name, replicas=replicas))
            write(app / "overlays" / env / "networkpolicy.yaml", POLICY)
            write(app / "overlays" / env / "kustomization.yaml",
                  f"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: kubeflow-{env}\n"
                  f"resources: [../../base, networkpolicy.yaml]\npatches:\n  - path: patch-deployment.yaml\n"
                  + ("components: [../../components/istio]\n" if env == "prod" else ""))
            files += 3
        write(app / "components" / "istio" / "kustomization.yaml",
              "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources: [authorizationpolicy.yaml]\n")
        write(app / "components" / "istio" / "authorizationpolicy.yaml",
              f"apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: {name}}}\n"
              f"spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  rules:\n"
              f"    - from: [{{source: {{principals: [cluster.local/ns/istio-system/sa/istio-ingressgateway]}}}}]\n")
        files += 2
    for n in range(crds):
        write(root / "common" / "crds" / f"kind{n}.yaml", _crd(n, crd_properties))
        files += 1
    chart = root / "charts" / "platform"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: platform\nversion: 1.9.0\nappVersion: \"1.9.0\"\n")
    write(chart / "values.yaml", "replicaCount: 1\nimage: {repository: ghcr.io/kubeflow/platform, tag: \"1.9.0.1\"}\n")
    files += 2
    for t in range(40):
        write(chart / "templates" / f"part-{t:02d}.yaml", CHART_TEMPLATE.format(i=t))
        templates += 1
    return {"files": files + templates, "templates": templates}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--components", type=int, default=60)
    args = parser.parse_args()
    print(kubeflow_shape(args.directory, args.components))


if __name__ == "__main__":
    main()
