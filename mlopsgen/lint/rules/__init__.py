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
# Findings of the engine itself, not of a rule: (slug, id, summary). They are errors and cannot be suppressed.
INTERNAL_ERROR = ("internal-error", "MLG000")
PARSE_ERROR = ("parse-error", "MLG901")
INVALID_SPEC = ("invalid-spec", "MLG902")
ENGINE_FINDINGS = {
    INTERNAL_ERROR[0]: (INTERNAL_ERROR[1], "a rule crashed", "A rule raised an error; please report it. The other rules ran normally."),
    PARSE_ERROR[0]: (PARSE_ERROR[1], "a file that could not be read or parsed",
                     "The file is not readable YAML (syntax, encoding, permissions, size); it was not linted. "
                     "Every other file was."),
    INVALID_SPEC[0]: (INVALID_SPEC[1], "a platform spec that does not validate",
                      "The platform spec has schema or semantic problems (what `mlopsgen validate` reports); "
                      "spec rules did not run on it. Every other file was linted."),
}
