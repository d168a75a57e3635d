"""The feature store: the Feast operator from its release manifests, and a FeatureStore per declared featureStore
service on the platform's PostgreSQL (CloudNativePG).

feast-operator  a kustomization of the operator's release manifests (install.yaml at the pinned tag, a remote
                resource), patched to Pod Security restricted (its manager sets no seccompProfile), with the
                namespace's default deny beside it
feast-db        the CloudNativePG `cluster` chart: the registry's and online store's database
feast-stores    the FeatureStore (feast.dev/v1) and the store configuration it names (no credentials in it)

Clients authenticate by network identity alone: team workloads run without service-account tokens, and Feast's
Kubernetes authorization needs the caller's token, so the FeatureStore declares no authz (Feast's default,
no_auth) and the feature server's NetworkPolicy admits only the namespaces of the training and inference pods
the spec lets reach it, on the pods' port 6566.
"""

from __future__ import annotations

from mlopsgen.catalog import conventions as C
from mlopsgen.catalog.components import COMPONENTS
from mlopsgen.platform.model import Cluster, Platform, Service

FEAST_DATABASE = "feast"
STORE_CONFIG = "feast-data-stores"
OPERATOR_NAMESPACE = "feast-operator-system"  # created by install.yaml itself
OPERATOR_DEPLOYMENT = "feast-operator-controller-manager"
# Where Feast reads the database user and password: its feature_store.yaml expands ${VAR} from the server's
# environment (the db persistence sample, upstream/feast/samples/v1_featurestore_db_persistence.yaml).
CREDENTIAL_ENV = (("POSTGRES_USER", "username"), ("POSTGRES_PASSWORD", "password"))  # keys of CloudNativePG's <cluster>-app


def feature_store(platform: Platform, cluster: str) -> Service | None:
    return next((s for s in platform.services_for(cluster) if s.kind == "featureStore"), None)


def feast_db_values(platform: Platform, cluster: Cluster) -> dict:
    store = feature_store(platform, cluster.name)
    assert store is not None and store.database is not None
    return {"fullnameOverride": C.FEAST_DB, "type": "postgresql", "mode": "standalone",
            "cluster": {"instances": store.database.instances, "storage": {"size": store.database.storage},
                        "initdb": {"database": FEAST_DATABASE, "owner": FEAST_DATABASE}}}


def store_objects(platform: Platform, cluster: Cluster, labels: dict) -> list[dict]:
    """The FeatureStore and its store configuration: the registry (sql) and the online store (postgres) in the
    feature store's PostgreSQL, reached at CloudNativePG's read-write Service <cluster>-rw."""
    store = feature_store(platform, cluster.name)
    assert store is not None
    host = f"{C.FEAST_DB}-rw.{store.namespace}.svc.cluster.local"
    url = f"postgresql+psycopg://${{POSTGRES_USER}}:${{POSTGRES_PASSWORD}}@{host}:{C.POSTGRES_PORT}/{FEAST_DATABASE}"
    config = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": STORE_CONFIG, "namespace": store.namespace, "labels": labels,
                           "annotations": {C.POLICY_PURPOSE: "where Feast keeps its registry and online store; the "
                                                             "credentials are expanded from the server's environment"}},
              "stringData": {"sql": f"path: {url}\ncache_ttl_seconds: 60\n",
                             "postgres": f"host: {host}\nport: {C.POSTGRES_PORT}\ndatabase: {FEAST_DATABASE}\n"
                                         "db_schema: public\nuser: ${POSTGRES_USER}\npassword: ${POSTGRES_PASSWORD}\n"}}
    env = [{"name": name, "valueFrom": {"secretKeyRef": {"name": f"{C.FEAST_DB}-app", "key": key}}} for name, key in CREDENTIAL_ENV]
    persistence = {"store": {"type": "sql", "secretRef": {"name": STORE_CONFIG}, "secretKeyName": "sql"}}
    featurestore = {"apiVersion": "feast.dev/v1", "kind": "FeatureStore",
                    "metadata": {"name": store.name, "namespace": store.namespace, "labels": labels},
                    "spec": {"feastProject": store.name.replace("-", "_"), "services": {
                        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                        "onlineStore": {
                            "persistence": {"store": {"type": "postgres", "secretRef": {"name": STORE_CONFIG},
                                                      "secretKeyName": "postgres"}},
                            "server": {"env": env}},
                        "registry": {"local": {"persistence": persistence}}}}}
    return [config, featurestore]


def operator_kustomization() -> dict:
    release = COMPONENTS["feast-operator"].release
    assert release is not None
    return {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": [release.url, "networkpolicies.yaml"],
            "patches": [{"path": "patches/restricted-namespace.yaml", "target": {"version": "v1", "kind": "Namespace", "name": OPERATOR_NAMESPACE}},
                        {"path": "patches/restricted-manager.yaml", "target": {"group": "apps", "version": "v1", "kind": "Deployment",
                                                                       "name": OPERATOR_DEPLOYMENT}}]}


def namespace_patch() -> list[dict]:
    return [{"op": "add", "path": f"/metadata/labels/{_escape(C.POD_SECURITY_ENFORCE)}", "value": "restricted"},
            {"op": "add", "path": f"/metadata/labels/{_escape(C.POD_SECURITY_WARN)}", "value": "restricted"},
            # Removing the operator must never delete what runs in its namespace.
            {"op": "add", "path": "/metadata/annotations", "value": {C.ARGOCD_SYNC_OPTIONS: "Prune=false,Delete=false"}}]


def manager_patch() -> list[dict]:
    # The manager's pod sets runAsNonRoot, its container drops ALL and forbids escalation (install.yaml): only the
    # seccomp profile is missing for restricted.
    return [{"op": "add", "path": "/spec/template/spec/securityContext/seccompProfile", "value": {"type": "RuntimeDefault"}}]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
