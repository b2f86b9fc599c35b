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

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kobench.api import (
    PLUGIN_NAME,
    Benchmark,
    BenchmarkSpec,
    benchmark_errors,
    load_document,
    spec_checked,
    spec_errors,
)
from kobench.api.matrix_spec import plan_cells
from kobench.errors import SpecError, SpecErrors
from kobench.plugins.engines import engine_names, get_engine
from kobench.plugins.mechanism_checks import delivery_errors, engine_feature_errors
from kobench.plugins.mechanisms import get_mechanism
from kobench.plugins.observers import get_observer, observer_names
from kobench.plugins.suggest import unknown_engine, unknown_mode, with_suggestions


def _broken(fields: Iterable[str], *prefixes: str) -> bool:
    return any(f == p or f.startswith((p + ".", p + "[")) for f in fields for p in prefixes)


def plugin_errors(spec: BenchmarkSpec, *, broken: Iterable[str] = ()) -> list[SpecError]:
    """Rules of the installed plugins. ``broken``: fields whose value the model does not hold
    (their default took their place); a rule that reads one is skipped, and only such a rule."""
    broken = list(broken)
    errors: list[SpecError] = []
    if not _broken(broken, "spec.observers"):  # an item's error drops the list: defaults
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
    if not _broken(broken, "spec.delivery"):
        errors += engine_feature_errors(spec, engine)
    workload = spec.workload
    single = not engine.multi_master
    if single and workload.round_robin and not _broken(broken, "spec.workload.roundRobin"):
        errors.append(
            SpecError(
                "spec.workload.roundRobin",
                f"engine {engine.name} has one primary; use keydb for multi-master",
            )
        )
    conflict = workload.conflict is not None and not _broken(broken, "spec.workload.conflict")
    if single and conflict:
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


def _named(items: Any, key: str | None) -> list[tuple[int, str]]:
    """(index, name) of a list in the document: its items' ``key``, or the items themselves."""
    found = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        name = item.get(key) if key is not None and isinstance(item, Mapping) else item
        if isinstance(name, str) and re.fullmatch(PLUGIN_NAME, name):
            found.append((index, name))
    return found


def _listed_names(data: Any, broken: list[str]) -> list[SpecError]:
    """Unknown plugins read from the document itself, for the lists the model could not hold
    (an item's error drops a list for its default): the user's names are still worth telling."""
    spec: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    found = spec.get("matrix")
    matrix: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    engines, modes = engine_names(), observer_names()
    lists = [
        ("spec.observers", spec.get("observers"), "mode", "spec.observers[{}].mode", False),
        ("spec.matrix", matrix.get("engines"), "type", "spec.matrix.engines[{}].type", True),
        ("spec.matrix", matrix.get("observerModes"), None, "spec.matrix.observerModes[{}]", False),
    ]
    errors = []
    for prefix, items, key, field, engine in lists:
        if not _broken(broken, prefix):
            continue
        for index, name in _named(items, key):
            if name not in (engines if engine else modes):
                message = unknown_engine(name, engines) if engine else unknown_mode(name, modes)
                errors.append(SpecError(field.format(index), message))
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


def _with_cells(spec: BenchmarkSpec, errors: list[SpecError], broken: list[str]) -> list[SpecError]:
    if spec.matrix is None or _broken(broken, "spec.matrix"):
        return errors
    if errors:  # the cells are checked once the resource itself is right; their names now
        return errors + _axis_plugin_errors(spec)
    return cell_errors(spec)


def _all_problems(
    spec_data: Any, spec: BenchmarkSpec | None, errors: list[SpecError], broken: list[str]
) -> list[SpecError]:
    """``errors`` and the plugins' rules, each problem told once, wrong-case names answered."""
    if spec is not None:
        errors = [*errors, *plugin_errors(spec, broken=broken)]
        errors = _with_cells(spec, errors, broken)
    errors += _listed_names(spec_data, broken)
    document = {"spec": spec_data}
    return with_suggestions(errors, document, engine_names(), observer_names())


def spec_problems(data: Mapping[str, Any] | None) -> tuple[BenchmarkSpec | None, list[SpecError]]:
    """(the spec or None, every problem of a ``spec`` mapping): what the operator reports."""
    spec_data = dict(data) if data is not None else None
    spec, field_errors, cross_errors = spec_checked(spec_data)
    broken = [e.field for e in field_errors]
    errors = _all_problems(spec_data, spec, field_errors + cross_errors, broken)
    return (spec if not errors else None), errors


def check_spec(data: Mapping[str, Any] | None) -> BenchmarkSpec:
    """The ``spec`` of a resource, fully checked; SpecErrors lists every problem."""
    spec, errors = spec_problems(data)
    if errors or spec is None:
        raise SpecErrors(errors)
    return spec


def check_benchmark(document: Any, *, found: list[SpecError] | None = None) -> Benchmark:
    """A whole resource document, fully checked (``found``: problems the parser already saw,
    duplicate keys)."""
    benchmark, errors = benchmark_errors(document)
    errors = [*(found or []), *errors]
    spec_data = document.get("spec") if isinstance(document, Mapping) else None
    spec: BenchmarkSpec | None = None
    broken = [e.field for e in found or []]
    if benchmark is not None:
        spec = benchmark.spec
    elif isinstance(spec_data, Mapping | None):
        spec, field_errors, _ = spec_checked(spec_data)
        broken += [e.field for e in field_errors]
    errors = _all_problems(spec_data, spec, errors, broken)
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
