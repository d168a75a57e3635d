"""Per-team Kustomize trees: an environment-independent base and one overlay per environment.

base/      service accounts, RBAC, what Argo's executor needs, LimitRange, default-deny,
           mesh defaults
overlays/  Namespace, ResourceQuota, the modes' allow policies, the WorkflowTemplates in
           the environment's modes and on its GPU pool (workflows.py), and what the
           team's models need there (serving_overlay.py)
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.modes import HOST_NOTE, modes_of
from mlopsgen.catalog.runtimes import RUNTIMES
from mlopsgen.platform.capacity import namespace_hard
from mlopsgen.platform.model import Environment, Platform, Team
from mlopsgen.render import labels as L
from mlopsgen.render.egress import client_certificates, service_entries
from mlopsgen.render.jinja import render_template
from mlopsgen.render.network import default_deny, namespace_policies
from mlopsgen.render.queue_objects import local_queues
from mlopsgen.render.serving_overlay import render_model_overlays
from mlopsgen.render.workflows import workflow_access, workflow_templates


def render_team(platform: Platform, team: Team, header: str) -> dict[str, str]:
    files = _base(platform, team, header)
    for env in platform.team_environments(team):
        files.update(_overlay(platform, team, env, header))
    return files


def _base(platform: Platform, team: Team, header: str) -> dict[str, str]:
    base = C.team_base_dir(team.name)
    labels = L.common(platform, team.name)
    files = {
        f"{base}/serviceaccounts.yaml": render_template(
            "team/serviceaccounts.yaml.j2", header=header, labels=labels, classes=sorted(C.WORKLOAD_CLASSES),
            annotations=C.BASE_NAMESPACE_SKIP),
        f"{base}/rbac.yaml": render_template(
            "team/rbac.yaml.j2", header=header, labels=labels, owners=team.owners, annotations=C.BASE_NAMESPACE_SKIP,
            runtimes=list(RUNTIMES.values())),
        f"{base}/limitrange.yaml": render_template("team/limitrange.yaml.j2", header=header, labels=labels,
                                                        defaults=C.CONTAINER_DEFAULTS),
        f"{base}/networkpolicy-default-deny.yaml": render_template(
            "team/networkpolicies.yaml.j2", header=header, labels=labels, policies=[default_deny()], note=""),
        f"{base}/workflow-access.yaml": render_template(
            "team/objects.yaml.j2", header=header, objects=workflow_access(platform, team),
            comment="What Argo's executor needs of the workflow service accounts: a token and WorkflowTaskResults."),
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
            "team/resourcequota.yaml.j2", header=header, labels=labels, hard=namespace_hard(platform, team, env)),
    }
    queues = local_queues(platform, team, env)
    if queues:
        files[f"{overlay}/localqueues.yaml"] = render_template(
            "team/objects.yaml.j2", header=header, objects=queues, comment="Where the training pods wait for GPUs.")
    entries = service_entries(platform, env)
    if entries:
        files[f"{overlay}/serviceentries.yaml"] = render_template(
            "mesh/serviceentries.yaml.j2", header=header, labels=labels, entries=entries)
    certificates = client_certificates(platform, team, env, labels)
    if certificates:
        files[f"{overlay}/certificates.yaml"] = render_template(
            "team/objects.yaml.j2", header=header, objects=certificates,
            comment="The client certificate another cluster's published tracking server asks for (mutual TLS).")
    policies = namespace_policies(platform, team, env)
    if policies:
        files[f"{overlay}/networkpolicies.yaml"] = render_template(
            "team/networkpolicies.yaml.j2", header=header, labels=labels, policies=policies, note=note)
    files[f"{overlay}/workflowtemplates.yaml"] = render_template(
        "team/objects.yaml.j2", header=header, objects=workflow_templates(platform, team, env),
        comment=f"Training and validation in {env.name}: training in mode '{env.mode('training')}', "
                f"validation in mode '{env.mode('validation')}'.")
    models = render_model_overlays(platform, team, env, header)
    files.update({f"{overlay}/{rel}": text for rel, text in models.files.items()})
    own = sorted(path[len(overlay) + 1:] for path in files)
    resources = ["../../base"] + models.model_dirs + [r for r in own if not r.startswith("patches/")]
    patches = models.patches
    files[f"{overlay}/kustomization.yaml"] = render_template(
        "kustomize/kustomization.yaml.j2", header=header, namespace=namespace, resources=resources, patches=patches)
    return files
