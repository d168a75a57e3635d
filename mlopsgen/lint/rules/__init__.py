"""The rule registry: slug -> module. Every rule module is listed here, explicitly."""

from __future__ import annotations

from types import ModuleType

from mlopsgen.lint.rules import (
    canary_weights,
    credentials_in_uri,
    dns_blocked,
    exposed_serving,
    gpu_overcommit,
    host_network,
    isolation_leak,
    latest_tag,
    missing_authz,
    missing_default_deny,
    mtls_not_strict,
    non_isolated_workload,
    permissive_policy,
    public_cidr,
    stale_render,
    static_ip,
    subnet_overlap,
)

RULES: dict[str, ModuleType] = {
    module.SLUG: module
    for module in (
        static_ip, credentials_in_uri, latest_tag,
        missing_default_deny, non_isolated_workload, permissive_policy, dns_blocked, host_network, isolation_leak,
        subnet_overlap, public_cidr,
        mtls_not_strict, missing_authz, exposed_serving,
        gpu_overcommit, canary_weights, stale_render,
    )
}
INTERNAL_ERROR = ("internal-error", "MLG000")
