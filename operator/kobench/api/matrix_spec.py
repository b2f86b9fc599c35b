"""A matrix in the resource: axes over engine, observer mode, rate, key mode, server threads and
delivery mechanism, each cell run ``repetitions`` times, so one apply answers a comparison.

Everything not on an axis is the resource's own spec: a cell is that spec with the cell's
values put in. Every observer of a cell takes the cell's mode and keeps its name and replica,
so observers compared across cells are placed alike. Pure: expanding the cells and ordering
the runs are decisions, tested with plain data.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field

from kobench.api.basics import PLUGIN_NAME, Model
from kobench.api.delivery_spec import DELIVERY_LABEL, delivery_of_label
from kobench.errors import SpecError

MAX_AXIS_VALUES = 16
MAX_MATRIX_RUNS = 400
"""Cells x repetitions: beyond this, a matrix is better split into several resources."""

PluginName = Annotated[str, Field(pattern=PLUGIN_NAME)]
Rate = Annotated[int, Field(ge=1, le=200_000)]
Threads = Annotated[int, Field(ge=1, le=16)]
MechanismLabel = Annotated[str, Field(pattern=DELIVERY_LABEL)]


class EngineChoice(Model):
    """One value of the engine axis."""

    type: Annotated[
        str,
        Field(description="Engine plugin: keydb, redis, valkey or another.", pattern=PLUGIN_NAME),
    ]
    image: Annotated[
        str | None,
        Field(description="Container image; empty means the engine's default.", min_length=1),
    ] = None

    @property
    def label(self) -> str:
        return self.type if self.image is None else f"{self.type}({self.image})"


class Matrix(Model):
    """The axes of a comparison; a cell for every combination of their values."""

    repetitions: Annotated[
        int,
        Field(
            description="Runs per cell. Fewer than 4 cannot give a Better or Worse verdict.",
            ge=1,
            le=100,
        ),
    ] = 4
    engines: Annotated[
        list[EngineChoice] | None,
        Field(
            description="Engine axis: type (and image) per value.",
            min_length=1,
            max_length=MAX_AXIS_VALUES,
        ),
    ] = None
    observer_modes: Annotated[
        list[PluginName] | None,
        Field(
            description="Observer mode axis: every observer of a cell takes the mode.",
            min_length=1,
            max_length=MAX_AXIS_VALUES,
        ),
    ] = None
    rates: Annotated[
        list[Rate] | None,
        Field(
            description="Rate axis: writes per second, per writer.",
            min_length=1,
            max_length=MAX_AXIS_VALUES,
        ),
    ] = None
    key_modes: Annotated[
        list[Literal["shared", "unique"]] | None,
        Field(description="Key mode axis.", min_length=1, max_length=2),
    ] = None
    server_threads: Annotated[
        list[Threads] | None,
        Field(description="Server threads axis.", min_length=1, max_length=MAX_AXIS_VALUES),
    ] = None
    tls: Annotated[
        list[bool] | None,
        Field(description="TLS axis (engine.tls): what TLS costs.", min_length=1, max_length=2),
    ] = None
    mechanisms: Annotated[
        list[MechanismLabel] | None,
        Field(
            description="Delivery mechanism axis: a mechanism, or mechanism:variant "
            "(tracking:redirect, stream:plain); each cell's spec.delivery takes it.",
            min_length=1,
            max_length=MAX_AXIS_VALUES,
        ),
    ] = None


AXES = ("engine", "observerMode", "rate", "keyMode", "serverThreads", "tls", "mechanism")
"""Axis names, in cell-id order; each is a field of :class:`Matrix` (plural)."""
FIELDS = {
    "engine": "engines",
    "observerMode": "observerModes",
    "rate": "rates",
    "keyMode": "keyModes",
    "serverThreads": "serverThreads",
    "tls": "tls",
    "mechanism": "mechanisms",
}


def axis_values(matrix: Matrix) -> dict[str, list[Any]]:
    """The axes the matrix sets, each with its values (engines as their labels' choices)."""
    given: dict[str, list[Any] | None] = {
        "engine": matrix.engines,
        "observerMode": matrix.observer_modes,
        "rate": matrix.rates,
        "keyMode": matrix.key_modes,
        "serverThreads": matrix.server_threads,
        "tls": matrix.tls,
        "mechanism": matrix.mechanisms,
    }
    return {axis: list(values) for axis, values in given.items() if values}


def label(value: Any) -> str:
    if isinstance(value, bool):  # the TLS axis
        return "tls" if value else "plain"
    return value.label if isinstance(value, EngineChoice) else str(value)


@dataclass(frozen=True)
class CellPlan:
    """One cell: its id, its axis values as labels, and its spec as a plain document."""

    id: str
    values: dict[str, str]
    spec: dict[str, Any]


def apply_cell(spec: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The resource's spec document (camel case) with one cell's values put in."""
    cell = {key: value for key, value in spec.items() if key != "matrix"}
    engine = dict(cell.get("engine") or {})
    workload = dict(cell.get("workload") or {})
    if "engine" in values:
        choice: EngineChoice = values["engine"]
        engine["type"] = choice.type
        engine.pop("image", None)
        if choice.image is not None:
            engine["image"] = choice.image
    if "serverThreads" in values:
        engine["serverThreads"] = values["serverThreads"]
    if "tls" in values:
        engine["tls"] = values["tls"]
    if "rate" in values:
        workload["rate"] = values["rate"]
    if "keyMode" in values:
        workload["keyMode"] = values["keyMode"]
    if "observerMode" in values:
        cell["observers"] = [
            {**observer, "mode": values["observerMode"]} for observer in cell.get("observers", [])
        ]
    if "mechanism" in values:
        # Options other than the mechanism's own (redeliverAfterMs) stay as the resource set them.
        delivery = dict(cell.get("delivery") or {})
        delivery.pop("variant", None)
        cell["delivery"] = {**delivery, **delivery_of_label(values["mechanism"])}
    return {**cell, "engine": engine, "workload": workload}


def plan_cells(spec: dict[str, Any], matrix: Matrix) -> list[CellPlan]:
    """Every cell of the matrix, in axis order, from the resource's spec document.

    ``spec`` is the spec as dumped by alias (camel case) with its observers listed.
    """
    axes = axis_values(matrix)
    names = list(axes)
    plans = []
    for combination in itertools.product(*(axes[name] for name in names)):
        values = dict(zip(names, combination, strict=True))
        labels = {name: label(value) for name, value in values.items()}
        plans.append(
            CellPlan(
                id=",".join(f"{name}={labels[name]}" for name in names),
                values=labels,
                spec=apply_cell(spec, values),
            )
        )
    return plans


def interleaved(cells: int, repetitions: int) -> list[tuple[int, int]]:
    """(cell, repetition) in run order: round-robin over the cells, one repetition per round,
    so a machine that drifts (warms up, gets busier) spreads its drift over every cell alike."""
    return [(cell, rep) for rep in range(repetitions) for cell in range(cells)]


def single_axis_pairs(plans: Sequence[CellPlan]) -> list[tuple[str, int, int]]:
    """(axis, a, b) for every pair of cells whose values differ on exactly one axis (a < b)."""
    pairs = []
    for a, b in itertools.combinations(range(len(plans)), 2):
        differing = [k for k in plans[a].values if plans[a].values[k] != plans[b].values[k]]
        if len(differing) == 1:
            pairs.append((differing[0], a, b))
    return pairs


def matrix_errors(matrix: Matrix) -> list[SpecError]:
    """An axis at all, no value twice on an axis, and a bounded number of runs."""
    axes = axis_values(matrix)
    if not axes:
        return [
            SpecError(
                "spec.matrix",
                "set at least one axis: engines, observerModes, rates, keyModes, serverThreads, "
                "tls or mechanisms",
            )
        ]
    errors = []
    for axis, values in axes.items():
        seen: set[str] = set()
        for index, value in enumerate(values):
            if label(value) in seen:
                errors.append(
                    SpecError(
                        f"spec.matrix.{FIELDS[axis]}[{index}]",
                        f"{label(value)} is already on the axis",
                    )
                )
            seen.add(label(value))
    runs = matrix.repetitions
    for values in axes.values():
        runs *= len(values)
    if runs > MAX_MATRIX_RUNS:
        errors.append(
            SpecError(
                "spec.matrix",
                f"cells x repetitions makes {runs} runs; a matrix holds at most {MAX_MATRIX_RUNS}",
            )
        )
    return errors
