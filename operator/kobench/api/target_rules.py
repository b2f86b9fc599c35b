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
"""Faults that act on servers (a kill, CLIENT PAUSE, CONFIG SET masterauth): never on a target."""
SHARED_FAULTS = ("dropSubscribers",)
"""Faults that would reach the user's own clients: dropSubscribers is CLIENT KILL TYPE pubsub,
which cuts every subscriber of the server, not only kobench's."""
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
    if "replicas" in spec.engine.model_fields_set and spec.engine.replicas != endpoints:
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


def _faults(spec: BenchmarkSpec) -> list[SpecError]:
    errors = []
    for index, fault in enumerate(spec.faults):
        field = f"spec.faults[{index}].action"
        if fault.action in PROCESS_FAULTS:
            errors.append(
                SpecError(
                    field, f"{fault.action} acts on the target's servers: refused against a target"
                )
            )
        elif fault.action in SHARED_FAULTS:
            errors.append(
                SpecError(
                    field,
                    f"{fault.action} would cut the target's own subscribers too: refused against "
                    "a target (dropping only kobench's connections is not available yet)",
                )
            )
    return errors


def target_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """Every reason ``spec.target`` cannot run as written; [] without a target."""
    if spec.target is None:
        return []
    errors = [*_engine(spec), *_workload(spec), *_faults(spec)]
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
