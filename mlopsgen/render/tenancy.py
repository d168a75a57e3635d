"""Per-team Kustomize trees: an environment-independent base and one overlay per environment.

base/      service accounts, RBAC, LimitRange, default-deny, mesh defaults, WorkflowTemplates
overlays/  Namespace, ResourceQuota, the mode's allow policies, what the team's
           models need there (see serving.py), and patches that put training and
           validation into the environment's network mode and onto the team's
           GPU pool on that cluster.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog import hardening
from mlopsgen.catalog.modes import HOST_NOTE, MODES, modes_of
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.platform.defaults import default_mode
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.render import labels as L
from mlopsgen.render.jinja import render_template
from mlopsgen.render.network import default_deny, namespace_policies
from mlopsgen.render.serving_overlay import render_model_overlays

WORKFLOWS = {"training": "train", "validation": "validate"}  # WorkflowTemplate -> default Python module
STEP_INDEX = 0  # each WorkflowTemplate renders one step template; overlay patches address it


def render_team(platform: Platform, team: Team, header: str) -> dict[str, str]:
    files = _base(platform, team, header)
    for env in platform.team_environments(team):
        files.update(_overlay(platform, team, env, header))
    return files


def _base(platform: Platform, team: Team, header: str) -> dict[str, str]:
    base = C.team_base_dir(team.name)
    labels = L.common(platform, team.name)
    workflows = []
    for name, module in WORKFLOWS.items():
        env_vars = L.tracking_env(platform) if name == "training" else []
        workflows.append({
            "name": name,
            "module": module,
            "pod_labels": L.pod_labels(platform, team.name, name, default_mode(name)),
            "env": env_vars,
        })
    files = {
        f"{base}/serviceaccounts.yaml": render_template(
            "team/serviceaccounts.yaml.j2", header=header, labels=labels, classes=sorted(C.WORKLOAD_CLASSES),
            annotations=C.BASE_NAMESPACE_SKIP),
        f"{base}/rbac.yaml": render_template(
            "team/rbac.yaml.j2", header=header, labels=labels, owners=team.owners, annotations=C.BASE_NAMESPACE_SKIP,
            runtimes=list(RUNTIMES.values())),
        f"{base}/limitrange.yaml": render_template("team/limitrange.yaml.j2", header=header, labels=labels),
        f"{base}/networkpolicy-default-deny.yaml": render_template(
            "team/networkpolicies.yaml.j2", header=header, labels=labels, policies=[default_deny()], note=""),
        f"{base}/workflowtemplates.yaml": render_template(
            "team/workflowtemplates.yaml.j2", header=header, labels=labels, workflows=workflows,
            pod_security=hardening.POD_SECURITY_CONTEXT, container_security=hardening.CONTAINER_SECURITY_CONTEXT,
            scratch_volume=hardening.SCRATCH_VOLUME, scratch_mount=hardening.SCRATCH_MOUNT),
        f"{base}/mesh.yaml": render_template("mesh/namespace-mesh.yaml.j2", header=header, labels=labels),
    }
    files[f"{base}/kustomization.yaml"] = render_template(
        "kustomize/kustomization.yaml.j2", header=header, namespace=None, patches=[],
        resources=sorted(path.rsplit("/", 1)[1] for path in files))
    return files


def _namespace_metadata(platform: Platform, team: Team, env: Environment) -> tuple[dict, dict]:
    labels = L.common(platform, team.name, env.name)
    annotations = {}
    host = any(mode.host_network for mode in modes_of(env))
    # Pod Security Admission: hostNetwork is only admissible under "privileged".
    labels["pod-security.kubernetes.io/enforce"] = "privileged" if host else "restricted"
    labels["pod-security.kubernetes.io/warn"] = "restricted"
    # Sidecars only where the mode lets them reach istiod; pods opt out by label otherwise.
    # A provided mesh with a revision is selected by `istio.io/rev` instead (Istio: revision-based injection).
    revision = platform.cluster(env.cluster).istio_revision
    if revision:
        labels["istio.io/rev"] = revision
    else:
        labels["istio-injection"] = "enabled"
    if host:
        annotations[C.NETWORK_NOTE] = HOST_NOTE
        annotations[C.HOST_JUSTIFICATION] = env.host_justification
    if env.segment:
        annotations[C.CALICO_IPV4_POOLS] = f'["{C.ippool_name(env.name)}"]'
    return labels, annotations


def _workflow_patch(platform: Platform, team: Team, env: Environment, workflow: str) -> tuple[list, list]:
    mode = env.mode(workflow)
    template = f"/spec/templates/{STEP_INDEX}"
    ops: list[dict] = [{"op": "add", "path": f"{template}/metadata/labels", "value": L.pod_labels(platform, team.name, workflow, mode)}]
    comments = [f"{workflow} in {env.name}: network mode '{mode}'."]
    if MODES[mode].host_network:
        comments.append(HOST_NOTE)
        ops += [
            # hostNetwork is a pod field Argo has no template field for: patch the pod spec.
            {"op": "add", "path": f"{template}/podSpecPatch",
             "value": '{"dnsPolicy": "ClusterFirstWithHostNet", "hostNetwork": true}'},
            {"op": "add", "path": f"{template}/metadata/annotations", "value": {
                C.NETWORK_NOTE: HOST_NOTE, C.HOST_JUSTIFICATION: env.host_justification}},
        ]
    pools = platform.team_pools_on(team, env.cluster)
    if workflow == "training" and pools:
        pool = pools[0]
        comments.append(f"Pinned to GPU pool '{pool.name}' ({pool.gpus_per_node} x {pool.gpu_type} per node).")
        gpus = str(pool.gpus_per_node)
        ops += [
            {"op": "add", "path": f"{template}/nodeSelector", "value": dict(pool.node_labels)},
            {"op": "add", "path": f"{template}/tolerations", "value": [L.toleration(t) for t in pool.taints]},
            {"op": "add", "path": f"{template}/container/resources/requests/nvidia.com~1gpu", "value": gpus},
            {"op": "add", "path": f"{template}/container/resources/limits/nvidia.com~1gpu", "value": gpus},
        ]
    return ops, comments


def _overlay(platform: Platform, team: Team, env: Environment, header: str) -> dict[str, str]:
    overlay = C.team_overlay_dir(team.name, env.name)
    namespace = team.namespace(env.name)
    labels = L.common(platform, team.name, env.name)
    ns_labels, ns_annotations = _namespace_metadata(platform, team, env)
    note = HOST_NOTE if any(mode.host_network for mode in modes_of(env)) else ""
    files = {
        f"{overlay}/namespace.yaml": render_template(
            "team/namespace.yaml.j2", header=header, namespace=namespace, labels=ns_labels, annotations=ns_annotations),
        f"{overlay}/resourcequota.yaml": render_template(
            "team/resourcequota.yaml.j2", header=header, labels=labels, quota=team.quotas[env.name]),
    }
    policies = namespace_policies(platform, team, env)
    if policies:
        files[f"{overlay}/networkpolicies.yaml"] = render_template(
            "team/networkpolicies.yaml.j2", header=header, labels=labels, policies=policies, note=note)
    models = render_model_overlays(platform, team, env, header)
    files.update({f"{overlay}/{rel}": text for rel, text in models.files.items()})
    own = sorted(path[len(overlay) + 1:] for path in files)
    resources = ["../../base"] + models.model_dirs + [r for r in own if not r.startswith("patches/")]
    patches = []
    for workflow in WORKFLOWS:
        ops, comments = _workflow_patch(platform, team, env, workflow)
        path = f"patches/{workflow}.yaml"
        files[f"{overlay}/{path}"] = render_template(
            "team/json6902-patch.yaml.j2", header=header, operations=ops, comments=comments)
        patches.append({"path": path, "target": {
            "group": "argoproj.io", "version": "v1alpha1", "kind": "WorkflowTemplate", "name": workflow}})
    patches += models.patches
    files[f"{overlay}/kustomization.yaml"] = render_template(
        "kustomize/kustomization.yaml.j2", header=header, namespace=namespace, resources=resources, patches=patches)
    return files
