"""What a run against a target (``spec.target``) may not ask for: it deploys no engine, acts on
no process it did not start, and writes at a bounded rate."""

from __future__ import annotations

from kobench.api.benchmark import BenchmarkSpec
from kobench.api.engine_spec import Engine
from kobench.api.fault_spec import KILL_ACTIONS
from kobench.errors import SpecError

DEPLOY_FIELDS = (
    "image",
    "server_threads",
    "port",
    "tls",
    "auth_secret_ref",
    "resources",
    "placement",
)
"""Engine fields that only describe an engine kobench deploys."""
PROCESS_FAULTS = (*KILL_ACTIONS, "pauseReplica", "cutReplication")
"""Faults that act on processes (a kill, CLIENT PAUSE, CONFIG SET masterauth): refused against
a target, but for killReplica with spec.target.allowDisruption and the pod it may delete."""
OWN_CONNECTIONS_FAULTS = ("dropSubscribers",)
"""Against a target, dropSubscribers kills only kobench's own observers' connections (by the
ids CLIENT LIST gives their names), never another client's."""
NO_TARGET = "a target run deploys no engine"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _engine(spec: BenchmarkSpec) -> list[SpecError]:
    assert spec.target is not None
    default = Engine()
    errors = [
        SpecError(f"spec.engine.{_camel(name)}", f"{NO_TARGET}: remove it, or remove spec.target")
        for name in DEPLOY_FIELDS
        if getattr(spec.engine, name) != getattr(default, name)
    ]
    endpoints = len(spec.target.endpoints)
    # The API server fills the default in: only another value can be told from it.
    if spec.engine.replicas not in (endpoints, default.replicas):
        errors.append(
            SpecError(
                "spec.engine.replicas",
                f"{NO_TARGET}: its replicas are the {endpoints} spec.target.endpoints",
            )
        )
    return errors


def _workload(spec: BenchmarkSpec) -> list[SpecError]:
    assert spec.target is not None
    workload, limit = spec.workload, spec.target.max_rate
    errors = []
    total = workload.rate * workload.writers
    if total > limit:
        errors.append(
            SpecError(
                "spec.workload.rate",
                f"{workload.writers} writer(s) x {workload.rate}/s = {total} writes/s is above "
                f"spec.target.maxRate ({limit}/s): lower the rate, or raise maxRate on purpose",
            )
        )
    if workload.round_robin or workload.conflict is not None:
        field = "roundRobin" if workload.round_robin else "conflict"
        errors.append(
            SpecError(f"spec.workload.{field}", "a target run writes on one endpoint only")
        )
    return errors


def _disruption(spec: BenchmarkSpec, index: int) -> list[SpecError]:
    """A killReplica against a target: only with allowDisruption, of a pod named in pods."""
    assert spec.target is not None
    fault, target = spec.faults[index], spec.target
    if not target.allow_disruption:
        return [
            SpecError(
                f"spec.faults[{index}].action",
                "killReplica deletes a pod of the target: set spec.target.allowDisruption: "
                "true and name the pods it may delete in spec.target.pods",
            )
        ]
    replica = fault.replica or 0
    if replica >= len(target.pods):
        return [
            SpecError(
                "spec.target.pods",
                f"names no pod for endpoint {replica} (spec.faults[{index}].replica): "
                "killReplica deletes only the pods named there",
            )
        ]
    return []


def _faults(spec: BenchmarkSpec) -> list[SpecError]:
    errors = []
    for index, fault in enumerate(spec.faults):
        field = f"spec.faults[{index}].action"
        if fault.action == "killReplica":
            errors += _disruption(spec, index)
        elif fault.action in PROCESS_FAULTS:
            errors.append(
                SpecError(field, f"{fault.action} acts on processes: refused against a target")
            )
    return errors


def _endpoints(spec: BenchmarkSpec) -> list[SpecError]:
    """writeTo and observeOn by index name an endpoint; one CA source at most."""
    assert spec.target is not None
    target, errors = spec.target, []
    count = len(target.endpoints)
    for name, choice in (("writeTo", target.write_to), ("observeOn", target.observe_on)):
        if choice.isdigit() and int(choice) >= count:
            errors.append(
                SpecError(f"spec.target.{name}", f"{choice} is not below the {count} endpoints")
            )
    if target.tls.ca_secret_ref is not None and target.tls.ca_config_map_ref is not None:
        errors.append(
            SpecError("spec.target.tls.caConfigMapRef", "give the CA once: caSecretRef or this")
        )
    if len(target.pods) > count:
        errors.append(SpecError("spec.target.pods", f"names more pods than the {count} endpoints"))
    return errors


def target_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """Every reason ``spec.target`` cannot run as written; [] without a target."""
    if spec.target is None:
        return []
    errors = [*_engine(spec), *_workload(spec), *_faults(spec), *_endpoints(spec)]
    if spec.matrix is not None:
        errors.append(SpecError("spec.matrix", "not available with spec.target yet"))
    # The permission probe and the flags a target is checked for are keyevent's on SET.
    if spec.delivery.mechanism != "keyevent":
        errors.append(
            SpecError(
                "spec.delivery.mechanism",
                f"{spec.delivery.mechanism} is not available with spec.target yet (keyevent is)",
            )
        )
    if spec.workload.command != "set":
        errors.append(
            SpecError(
                "spec.workload.command",
                f"{spec.workload.command} is not available with spec.target yet (set is)",
            )
        )
    return errors
