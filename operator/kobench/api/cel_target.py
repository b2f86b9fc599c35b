"""spec.target's static rules in CEL, as :mod:`kobench.api.target_rules` states them in Python,
so that ``kubectl apply`` refuses them naming the field. The CRD is the cluster's, so it also
refuses what only ``kobench run`` reads (an environment variable, a file on its machine)."""

from __future__ import annotations

from typing import Any

from kobench.api.target_spec import DEFAULT_MAX_RATE

Schema = dict[str, Any]

_HAS_TARGET = "has(self.target)"
_MECHANISM = (
    "(has(self.delivery) && has(self.delivery.mechanism) ? self.delivery.mechanism : 'keyevent')"
)
_COMMAND = "(has(self.workload) && has(self.workload.command) ? self.workload.command : 'set')"
_RATE = "(has(self.workload) && has(self.workload.rate) ? self.workload.rate : 1000)"
_WRITERS = "(has(self.workload) && has(self.workload.writers) ? self.workload.writers : 1)"
_MAX_RATE = f"(has(self.target.maxRate) ? self.target.maxRate : {DEFAULT_MAX_RATE})"
_INDEXES = "['0', '1', '2', '3', '4', '5', '6']"
NO_ENGINE = "a target run deploys no engine: remove it, or remove spec.target"


def _forbidden(rule: str, message: str, field: str) -> Schema:
    return {"rule": rule, "message": message, "fieldPath": field, "reason": "FieldValueForbidden"}


def _invalid(rule: str, message: str, field: str) -> Schema:
    return {"rule": rule, "message": message, "fieldPath": field, "reason": "FieldValueInvalid"}


_QUANTITIES = " && ".join(
    f"!has(self.engine.resources.{section}.{name})"
    for section in ("requests", "limits")
    for name in ("cpu", "memory")
)
_PLACED = (
    "(!has(self.engine.placement.nodeSelector) || size(self.engine.placement.nodeSelector) == 0)"
    " && (!has(self.engine.placement.tolerations) || "
    "size(self.engine.placement.tolerations) == 0) && "
    "(!has(self.engine.placement.antiAffinity) || "
    "self.engine.placement.antiAffinity == 'preferred')"
)
DEFAULT_REPLICAS = 3
"""engine.replicas' default. The API server fills the CRD's defaults in before the rules run, so
a target's engine holds them all: a field is refused only when it differs from its default (as
the model does), and replicas only when it is neither 3 nor the number of endpoints."""


def _engine_field(name: str, default: str | None) -> Schema:
    kept = f"!has(self.engine.{name})"
    if default is not None:
        kept = f"({kept} || {default})"
    return _forbidden(
        f"!{_HAS_TARGET} || !has(self.engine) || {kept}", NO_ENGINE, f".engine.{name}"
    )


TARGET_RULES: list[Schema] = [
    *(
        _engine_field(name, default)
        for name, default in (
            ("image", None),
            ("serverThreads", "self.engine.serverThreads == 1"),
            ("port", "self.engine.port == 6379"),
            ("tls", "!self.engine.tls"),
            ("authSecretRef", None),
            ("resources", f"({_QUANTITIES})"),
            ("placement", f"({_PLACED})"),
        )
    ),
    _invalid(
        f"!{_HAS_TARGET} || !has(self.engine) || !has(self.engine.replicas) || "
        f"self.engine.replicas == {DEFAULT_REPLICAS} || "
        "self.engine.replicas == size(self.target.endpoints)",
        "a target run deploys no engine: its replicas are the spec.target.endpoints",
        ".engine.replicas",
    ),
    _invalid(
        f"!{_HAS_TARGET} || {_RATE} * {_WRITERS} <= {_MAX_RATE}",
        "writers x rate is above spec.target.maxRate: lower the rate, or raise maxRate on purpose",
        ".workload.rate",
    ),
    _forbidden(
        f"!{_HAS_TARGET} || !has(self.workload) || !has(self.workload.roundRobin) || "
        "!self.workload.roundRobin",
        "a target run writes on one endpoint only",
        ".workload.roundRobin",
    ),
    _forbidden(
        f"!{_HAS_TARGET} || !has(self.workload) || !has(self.workload.conflict)",
        "a target run writes on one endpoint only",
        ".workload.conflict",
    ),
    _forbidden(
        f"!{_HAS_TARGET} || !has(self.faults) || "
        "self.faults.all(f, f.action in ['dropSubscribers', 'killReplica'])",
        "against a target only dropSubscribers (kobench's own connections) and killReplica "
        "(spec.target.allowDisruption) are allowed: the others act on processes",
        ".faults",
    ),
    _forbidden(
        f"!{_HAS_TARGET} || !has(self.faults) || self.faults.all(f, f.action != 'killReplica' "
        "|| (has(self.target.allowDisruption) && self.target.allowDisruption && "
        "has(self.target.pods) && (has(f.replica) ? f.replica : 0) < size(self.target.pods)))",
        "killReplica deletes a pod of the target: set allowDisruption: true and name the pod "
        "behind the fault's replica in spec.target.pods",
        ".faults",
    ),
    _forbidden(
        f"!{_HAS_TARGET} || !has(self.matrix)", "not available with spec.target yet", ".matrix"
    ),
    _invalid(
        f"!{_HAS_TARGET} || {_MECHANISM} == 'keyevent'",
        "only keyevent is available with spec.target yet",
        ".delivery.mechanism",
    ),
    _invalid(
        f"!{_HAS_TARGET} || {_COMMAND} == 'set'",
        "only set is available with spec.target yet",
        ".workload.command",
    ),
]
"""Rules placed on spec: they span spec.target and the fields it changes the meaning of."""

_LOCAL_ONLY = "is read by kobench run on its own machine; in a cluster give "
OWN_RULES: list[Schema] = [
    *(
        _invalid(
            f"!has(self.{choice}) || !(self.{choice} in {_INDEXES}) || "
            f"int(self.{choice}) < size(self.endpoints)",
            "is not below the number of endpoints",
            f".{choice}",
        )
        for choice in ("writeTo", "observeOn")
    ),
    _invalid(
        "!has(self.pods) || size(self.pods) <= size(self.endpoints)",
        "names more pods than there are endpoints",
        ".pods",
    ),
    _invalid(
        "!has(self.tls) || !has(self.tls.caSecretRef) || !has(self.tls.caConfigMapRef)",
        "give the CA once: caSecretRef or caConfigMapRef",
        ".tls.caConfigMapRef",
    ),
    *(
        _forbidden(
            f"!has(self.auth) || !has(self.auth.{name})",
            _LOCAL_ONLY + "auth.passwordSecretRef",
            f".auth.{name}",
        )
        for name in ("passwordEnv", "passwordFile")
    ),
    *(
        _forbidden(
            f"!has(self.tls) || !has(self.tls.{name})",
            _LOCAL_ONLY + "tls.caSecretRef or tls.caConfigMapRef, and tls.clientSecretName",
            f".tls.{name}",
        )
        for name in ("caFile", "certFile", "keyFile")
    ),
]
"""Rules placed on spec.target itself."""
