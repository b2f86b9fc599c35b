"""Rules that depend on installed plugins: known engines and modes, and what an engine allows."""

from __future__ import annotations

from kobench.engines import get_engine
from kobench.errors import SpecError, SpecErrors
from kobench.observers import get_observer
from kobench.spec import BenchmarkSpec


def plugin_errors(spec: BenchmarkSpec) -> list[SpecError]:
    errors: list[SpecError] = []
    for index, observer in enumerate(spec.observers):
        try:
            get_observer(observer.mode, field=f"spec.observers[{index}].mode")
        except SpecError as exc:
            errors.append(exc)
    try:
        engine = get_engine(spec.engine.type)
    except SpecError as exc:
        return [exc, *errors]
    masters = engine.write_replicas(spec.engine.replicas)
    workload = spec.workload
    if workload.round_robin and not engine.multi_master:
        errors.append(
            SpecError(
                "spec.workload.roundRobin",
                f"engine {engine.name} has one primary; use keydb for multi-master",
            )
        )
    if workload.target_replica not in masters:
        errors.append(
            SpecError(
                "spec.workload.targetReplica",
                f"replica {workload.target_replica} of engine {engine.name} is read-only; "
                f"writable replicas: {', '.join(map(str, masters))}",
            )
        )
    return errors


def check_plugins(spec: BenchmarkSpec) -> None:
    errors = plugin_errors(spec)
    if errors:
        raise SpecErrors(errors)
