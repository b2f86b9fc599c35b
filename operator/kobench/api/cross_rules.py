"""Rules that span fields. The CRD states each of them again in CEL (``kobench.api.crd``), so the
API server refuses what ``kobench validate`` refuses; a test runs both over one corpus.

Each rule names the fields it reads: when one of them is already wrong, the rule is skipped,
so a file gets every problem once and no consequence of another one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kobench.api.basics import DEFAULT_DURATION_SECONDS, MAX_WRITES
from kobench.api.benchmark import BenchmarkSpec
from kobench.api.fault_rules import fault_field_errors, fault_target_errors, fault_timing_errors
from kobench.api.matrix_spec import matrix_errors
from kobench.api.target_rules import target_errors
from kobench.errors import SpecError


@dataclass(frozen=True)
class Rule:
    reads: tuple[str, ...]
    """Fields the rule reads (paths below ``spec``)."""
    check: Callable[[BenchmarkSpec], list[SpecError]]


def _notify(spec: BenchmarkSpec) -> list[SpecError]:
    flags = spec.engine.notify_keyspace_events
    field = "spec.engine.notifyKeyspaceEvents"
    errors = []
    if "E" not in flags:
        errors.append(SpecError(field, "must include E: observers listen on __keyevent@<db>__:set"))
    if "$" not in flags and "A" not in flags:
        errors.append(SpecError(field, "must include $ or A: SET is a string command"))
    return errors


def _duration_or_writes(spec: BenchmarkSpec) -> list[SpecError]:
    workload = spec.workload
    if workload.duration_seconds is not None and workload.writes is not None:
        return [SpecError("spec.workload", "set either durationSeconds or writes, not both")]
    return []


def planned_writes(spec: BenchmarkSpec) -> float:
    """Writes per writer, warm-up included, computed as the CRD's CEL rule does (the same
    double operations in the same order, so both agree at the bound)."""
    workload = spec.workload
    warmup = float(workload.rate) * workload.warmup_seconds
    if workload.writes is not None:
        return warmup + float(workload.writes)
    duration = (
        DEFAULT_DURATION_SECONDS if workload.duration_seconds is None else workload.duration_seconds
    )
    return warmup + float(workload.rate) * duration


def _writes_bound(spec: BenchmarkSpec) -> list[SpecError]:
    planned = planned_writes(spec)
    if planned > MAX_WRITES:
        return [
            SpecError(
                "spec.workload",
                f"rate x (warmupSeconds + durationSeconds or writes) makes {planned:.0f} writes "
                f"per writer; a run holds at most {MAX_WRITES}",
            )
        ]
    return []


def _writer_replica(spec: BenchmarkSpec) -> list[SpecError]:
    replicas = spec.engine.replicas
    target = spec.workload.target_replica
    if target >= replicas:
        return [
            SpecError(
                "spec.workload.targetReplica",
                f"{target} must be below engine.replicas ({replicas})",
            )
        ]
    return []


def _observers(spec: BenchmarkSpec) -> list[SpecError]:
    replicas = spec.engine.replicas
    errors = []
    seen: set[str] = set()
    for index, observer in enumerate(spec.observers):
        if observer.target_replica >= replicas:
            errors.append(
                SpecError(
                    f"spec.observers[{index}].targetReplica",
                    f"{observer.target_replica} must be below engine.replicas ({replicas})",
                )
            )
        if observer.name in seen:
            errors.append(
                SpecError(
                    f"spec.observers[{index}].name",
                    f"{observer.name!r} is used by another observer",
                )
            )
        seen.add(observer.name)
    return errors


def _conflict(spec: BenchmarkSpec) -> list[SpecError]:
    """Conflicting writes need two writers on two masters, and one event key per write."""
    workload = spec.workload
    if workload.conflict is None:
        return []
    errors = []
    if workload.writers < 2:
        errors.append(
            SpecError(
                "spec.workload.writers",
                f"conflict writes need at least 2 writers, each on its own master "
                f"(got {workload.writers})",
            )
        )
    if spec.engine.replicas < 2:
        errors.append(
            SpecError(
                "spec.engine.replicas",
                f"conflict writes need at least 2 masters (got {spec.engine.replicas})",
            )
        )
    if workload.key_mode != "unique":
        errors.append(
            SpecError(
                "spec.workload.keyMode",
                "conflict writes need keyMode unique: each write's event is its own key",
            )
        )
    return errors


def _command(spec: BenchmarkSpec) -> list[SpecError]:
    """A command other than set names its write only by its key: unique keys."""
    workload = spec.workload
    if workload.command != "set" and workload.key_mode != "unique":
        return [
            SpecError(
                "spec.workload.keyMode",
                f"command {workload.command} needs keyMode unique: its event names the key, "
                "and a shared key's event cannot tell one write from another",
            )
        ]
    return []


def _baseline_with_matrix(spec: BenchmarkSpec) -> list[SpecError]:
    if spec.matrix is not None and spec.baseline is not None:
        return [
            SpecError(
                "spec.baseline",
                "not with spec.matrix: a matrix compares its own cells (compare a cell with an "
                "earlier run with kobench compare)",
            )
        ]
    return []


def _baseline_source(spec: BenchmarkSpec) -> list[SpecError]:
    rule = spec.baseline
    if rule is None or (rule.result_file is None) != (rule.results_config_map is None):
        return []
    return [
        SpecError(
            "spec.baseline",
            "set exactly one of resultFile (kobench run) and resultsConfigMap (in a cluster)",
        )
    ]


RULES = (
    Rule(("engine.notifyKeyspaceEvents",), _notify),
    Rule(("workload.durationSeconds", "workload.writes"), _duration_or_writes),
    Rule(
        (
            "workload.rate",
            "workload.durationSeconds",
            "workload.writes",
            "workload.warmupSeconds",
        ),
        _writes_bound,
    ),
    Rule(("engine.replicas", "workload.targetReplica"), _writer_replica),
    Rule(("engine.replicas", "observers"), _observers),
    Rule(
        ("engine.replicas", "workload.conflict", "workload.writers", "workload.keyMode"), _conflict
    ),
    Rule(("faults",), fault_field_errors),
    # Each kind of target reads its own field: a broken engine type keeps replicas checked.
    Rule(("faults", "engine.replicas"), lambda spec: fault_target_errors(spec, ("replica",))),
    Rule(
        ("faults", "engine.replicas", "engine.type"),
        lambda spec: fault_target_errors(spec, ("primary",)),
    ),
    Rule(("faults", "observers"), lambda spec: fault_target_errors(spec, ("observer",))),
    Rule(("faults", "workload.writers"), lambda spec: fault_target_errors(spec, ("writer",))),
    # The measured time is rate x writes when writes is set, durationSeconds otherwise: a
    # broken rate keeps a duration's faults checked.
    Rule(
        ("faults", "workload.durationSeconds", "workload.writes", "workload.rate"),
        lambda spec: fault_timing_errors(spec) if spec.workload.writes is not None else [],
    ),
    Rule(
        ("faults", "workload.durationSeconds", "workload.writes"),
        lambda spec: fault_timing_errors(spec) if spec.workload.writes is None else [],
    ),
    Rule(("workload.command", "workload.keyMode"), _command),
    Rule(("matrix",), lambda spec: matrix_errors(spec.matrix) if spec.matrix else []),
    Rule(("matrix", "baseline"), _baseline_with_matrix),
    Rule(("baseline.resultFile", "baseline.resultsConfigMap"), _baseline_source),
    Rule(("target", "engine", "workload", "faults", "matrix"), target_errors),
)


def _overlaps(read: str, broken: str) -> bool:
    return (
        broken == read
        or broken.startswith((read + ".", read + "["))
        or read.startswith(broken + ".")
    )


def cross_field_errors(spec: BenchmarkSpec, *, broken: Iterable[str] = ()) -> list[SpecError]:
    """Every cross-field rule's errors, skipping rules that read a field in ``broken``
    (paths as reported, ``spec.``-prefixed)."""
    wrong = [b.removeprefix("spec.") for b in broken if b == "spec" or b.startswith("spec.")]
    if "spec" in broken:
        return []
    errors: list[SpecError] = []
    for rule in RULES:
        if any(_overlaps(read, b) for read in rule.reads for b in wrong):
            continue
        errors += rule.check(spec)
    return errors
