"""What verify reports for the bundled examples, journey by journey: the one table to update.

A journey maps to the reasons it fails for (substrings of its findings), or to
an empty list when it passes. As the rendered trees learn to bootstrap, admit
and connect what ../FUNCTION.md describes, move the journey to [] here: the
tests then assert it passes.
"""

from __future__ import annotations

EXPECTED: dict[str, dict[str, list[str]]] = {
    "quickstart": {
        "bootstrap": [
            "root Application root-main uses project 'platform', which does not exist on a fresh Argo CD",
            "deploys InferenceService (serving.kserve.io)",
            "deploys WorkflowTemplate (argoproj.io)",
            "AuthorizationPolicy (security.istio.io)",
        ],
        "admission": [
            "rejects container init (injected by Argo Workflows executor)",
            "rejects container wait (injected by Argo Workflows executor)",
            "rejects container storage-initializer (injected by KServe default storage initializer)",
            "rejects container istio-init (injected by Istio (no CNI plugin))",
            "ResourceQuota fraud-prod/team-quota: requests.nvidia.com/gpu 3 is less than the 4 that runs together",
        ],
        "workflows": [
            "may not create workflowtaskresults",
            "no Secret fraud-prod/training.service-account-token",
            "an ordinary Argo container step in 'none' mode",
        ],
        "serving": ["no ClusterStorageContainer supports models:/fraud-detector/7", "default SQLite"],
        "traffic": ["Gateways dev-gateway and prod-gateway both bind fraud.ml.example.com:443"],
        "connectivity": ["required flow denied (workflow pod to the API server): fraud-prod/training -> api-server TCP/443"],
        "clusters": [],
        "monitoring": [],
        "retraining": [],
    },
    "multicloud": {
        "bootstrap": ["root Application root-projects uses project 'platform'", "deploys SeldonDeployment"],
        "admission": [
            "rejects container seldon-container-engine (injected by Seldon Core operator)",
            "namespace nlp-train enforces Pod Security 'privileged'",
            "rejects container init (injected by Argo Workflows executor)",
        ],
        "workflows": ["may not create workflowtaskresults", "the Istio sidecar keeps the pod running"],
        "serving": ["served as 'huggingface'", "no ClusterStorageContainer supports models:/ticket-router/Production"],
        "traffic": ["routes prefix /v1/defects without a rewrite",
                    "Gateways staging-gateway and prod-gateway both bind vision.ml.acme.example:443"],
        "connectivity": [
            "forbidden flow allowed: vision-staging/training -> nlp-staging/training",  # one segment, two teams
            "required flow denied (workflow pod to the API server)",
        ],
        "clusters": ["nlp-train/training on cluster training-cw is given http://mlflow.mlflow.svc.cluster.local:5000",
                     "does not say the cluster assigns pod addresses with Calico IPAM"],
        "monitoring": ["reads model_accuracy, which nothing the tree deploys exports"],
        "retraining": ["step validate runs in 'none' mode but has no volume an earlier step wrote"],
    },
}
