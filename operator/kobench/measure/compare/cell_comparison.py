"""A matrix's runs, in the order they ran, into one comparison document (pure).

The local runner and the operator both end a matrix here: each step of the run order (cell,
repetition) has either a result, the reason it could not be carried out, or the engine's word
that it cannot run the cell (Unsupported: left out of every comparison, no failure). Per cell
its runs and their spread; per pair of cells that differ on one axis the verdicts; with a rate
axis the sweeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kobench.api.matrix_spec import CellPlan, single_axis_pairs
from kobench.measure.compare.comparison_docs import Cell, CellPair, MatrixComparison
from kobench.measure.compare.sides import Labelled, compare_sides, summarize_runs
from kobench.measure.compare.sweep import sweeps
from kobench.measure.results import RunResult


@dataclass(frozen=True)
class Unsupported:
    """The engine could not run the step's cell (the capability probe said why)."""

    reason: str


Outcome = RunResult | str | Unsupported
"""A step's result, why it was not carried out, or that its engine cannot run it."""


def step_label(plan: CellPlan, repetition: int) -> str:
    return f"{plan.id}#{repetition + 1}"


def matrix_comparison(
    benchmark: str,
    repetitions: int,
    plans: Sequence[CellPlan],
    order: Sequence[tuple[int, int]],
    outcomes: Sequence[Outcome],
    *,
    keep_runs: bool = True,
) -> MatrixComparison:
    """The comparison of every cell, from each step's outcome (``outcomes[i]`` is step
    ``order[i]``). ``keep_runs=False`` leaves the run documents out of the cells (the operator
    keeps them in each run's own results ConfigMap; the comparison must fit in one)."""
    runs: list[list[Labelled]] = [[] for _ in plans]
    failures: list[list[str]] = [[] for _ in plans]
    unsupported = ["" for _ in plans]
    for (index, repetition), outcome in zip(order, outcomes, strict=True):
        if isinstance(outcome, Unsupported):
            unsupported[index] = unsupported[index] or outcome.reason
        elif isinstance(outcome, str):
            failures[index].append(f"repetition {repetition + 1}: {outcome}")
        else:
            runs[index].append(Labelled(step_label(plans[index], repetition), outcome))
    cells = [
        Cell(
            id=plan.id,
            values=plan.values,
            runs=[r.result for r in runs[index]],
            failures=failures[index],
            unsupported=unsupported[index],
            summary=summarize_runs(runs[index]),
        )
        for index, plan in enumerate(plans)
    ]
    pairs = []
    for axis, a, b in single_axis_pairs(plans):
        if not runs[a] or not runs[b]:
            continue  # nothing measured on a side: its failures say why
        comparison = compare_sides(runs[a], runs[b], labels=(plans[a].id, plans[b].id))
        pairs.append(CellPair(axis=axis, a=plans[a].id, b=plans[b].id, comparison=comparison))
    swept = sweeps(cells)
    if not keep_runs:
        cells = [cell.model_copy(update={"runs": []}) for cell in cells]
    return MatrixComparison(
        benchmark=benchmark,
        repetitions=repetitions,
        order=[plans[index].id for index, _ in order],
        cells=cells,
        pairs=pairs,
        sweeps=swept,
    )
