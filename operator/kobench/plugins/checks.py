"""The one validation entry point: parsing, cross-field rules and plugin rules in one call.

``kobench validate``, ``kobench run`` and the operator all call it, so a file is judged the same
way everywhere. The model (:mod:`kobench.api`) holds the rules it can state alone (the CRD
repeats them for the API server); this module adds the rules only the installed plugins know:
an engine or observer mode that exists, writes only to replicas that accept them, round-robin
and conflict writes only on multi-master engines. The CRD encodes those too for the built-in
engines; a third-party plugin's rules are checked here only, by the operator before it creates
any child.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kobench.api import Benchmark, BenchmarkSpec, benchmark_errors, load_document, spec_errors
from kobench.api.matrix_spec import plan_cells
from kobench.errors import SpecError, SpecErrors
from kobench.plugins.engines import get_engine
from kobench.plugins.mechanism_checks import delivery_errors
from kobench.plugins.mechanisms import get_mechanism
from kobench.plugins.observers import get_observer


def _broken(fields: Iterable[str], *prefixes: str) -> bool:
    return any(f == p or f.startswith((p + ".", p + "[")) for f in fields for p in prefixes)


def plugin_errors(spec: BenchmarkSpec, *, broken: Iterable[str] = ()) -> list[SpecError]:
    """Rules of the installed plugins; rules reading a field in ``broken`` are skipped."""
    broken = list(broken)
    errors: list[SpecError] = []
    if not _broken(broken, "spec.observers"):
        for index, observer in enumerate(spec.observers):
            try:
                get_observer(observer.mode, field=f"spec.observers[{index}].mode")
            except SpecError as exc:
                errors.append(exc)
    errors += delivery_errors(spec, broken=broken)
    if _broken(broken, "spec.engine.type"):
        return errors
    try:
        engine = get_engine(spec.engine.type)
    except SpecError as exc:
        return [exc, *errors]
    workload = spec.workload
    if workload.round_robin and not engine.multi_master and not _broken(broken, "spec.workload"):
        errors.append(
            SpecError(
                "spec.workload.roundRobin",
                f"engine {engine.name} has one primary; use keydb for multi-master",
            )
        )
    conflict_broken = _broken(broken, "spec.workload.conflict")
    if workload.conflict is not None and not engine.multi_master and not conflict_broken:
        errors.append(
            SpecError(
                "spec.workload.conflict",
                f"engine {engine.name} has one primary: conflicting writes need a multi-master "
                "engine (engine.type: keydb, active replicas)",
            )
        )
    if _broken(broken, "spec.engine.replicas", "spec.workload.targetReplica"):
        return errors
    masters = engine.write_replicas(spec.engine.replicas)
    if workload.target_replica < spec.engine.replicas and workload.target_replica not in masters:
        errors.append(
            SpecError(
                "spec.workload.targetReplica",
                f"replica {workload.target_replica} of engine {engine.name} is read-only; "
                f"writable replicas: {', '.join(map(str, masters))}",
            )
        )
    return errors


def _axis_plugin_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """Unknown plugins on an axis, named by their place on the axis."""
    matrix = spec.matrix
    errors: list[SpecError] = []
    for index, mode in enumerate((matrix.observer_modes if matrix else None) or []):
        try:
            get_observer(mode, field=f"spec.matrix.observerModes[{index}]")
        except SpecError as exc:
            errors.append(exc)
    for index, label in enumerate((matrix.mechanisms if matrix else None) or []):
        try:
            get_mechanism(label.partition(":")[0], field=f"spec.matrix.mechanisms[{index}]")
        except SpecError as exc:
            errors.append(exc)
    for index, choice in enumerate((matrix.engines if matrix else None) or []):
        try:
            get_engine(choice.type)
        except SpecError as exc:
            errors.append(SpecError(f"spec.matrix.engines[{index}].type", exc.message))
    return errors


def cell_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """A matrix's cells, each checked as a spec of its own: an axis value can break a rule
    that the resource's own values keep (a rate too high for the duration, redis with
    round-robin writes). A problem is told once, with the first cell that has it."""
    if spec.matrix is None:
        return []
    errors = _axis_plugin_errors(spec)
    if errors:
        return errors
    document = spec.model_dump(by_alias=True, exclude_none=True)
    cells: dict[tuple[str, str], list[str]] = {}
    for plan in plan_cells(document, spec.matrix):
        cell, found = spec_errors(plan.spec)
        if cell is not None:
            found += plugin_errors(cell, broken=[e.field for e in found])
        for error in found:
            cells.setdefault((error.field, error.message), []).append(plan.id)
    for (field, message), ids in cells.items():
        others = f" (and {len(ids) - 1} more)" if len(ids) > 1 else ""
        errors.append(SpecError(field, f"in matrix cell {ids[0]}{others}: {message}"))
    return errors


def _with_cells(spec: BenchmarkSpec, errors: list[SpecError]) -> list[SpecError]:
    if errors or spec.matrix is None:
        return errors
    return cell_errors(spec)


def spec_problems(data: Mapping[str, Any] | None) -> tuple[BenchmarkSpec | None, list[SpecError]]:
    """(the spec or None, every problem of a ``spec`` mapping): what the operator reports."""
    spec, errors = spec_errors(dict(data) if data is not None else None)
    if spec is not None:
        errors += plugin_errors(spec, broken=[e.field for e in errors])
        errors = _with_cells(spec, errors)
    return (spec if not errors else None), errors


def check_spec(data: Mapping[str, Any] | None) -> BenchmarkSpec:
    """The ``spec`` of a resource, fully checked; SpecErrors lists every problem."""
    spec, errors = spec_problems(data)
    if errors or spec is None:
        raise SpecErrors(errors)
    return spec


def check_benchmark(document: Any, *, found: list[SpecError] | None = None) -> Benchmark:
    """A whole resource document, fully checked (``found``: problems the parser already saw)."""
    benchmark, errors = benchmark_errors(document)
    errors = [*(found or []), *errors]
    if benchmark is not None:
        errors += plugin_errors(benchmark.spec, broken=[e.field for e in errors])
        errors = _with_cells(benchmark.spec, errors)
    elif isinstance(document, dict) and isinstance(document.get("spec", {}), dict | None):
        spec, _ = spec_errors(document.get("spec"))
        if spec is not None:
            errors += plugin_errors(spec, broken=[e.field for e in errors])
    if errors or benchmark is None:
        raise SpecErrors(errors)
    return benchmark


def load_checked(source: str | Path) -> Benchmark:
    """A benchmark file (``-``: standard input) read safely and fully checked."""
    _, document = load_document(source)
    return check_benchmark(document.data, found=document.duplicates)


__all__ = [
    "cell_errors",
    "check_benchmark",
    "check_spec",
    "load_checked",
    "plugin_errors",
    "spec_problems",
]
