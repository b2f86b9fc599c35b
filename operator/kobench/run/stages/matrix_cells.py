"""A matrix in the operator (pure): its runs one after another as child benchmarks
(RunningCells), then their results compared (Comparing), then Succeeded.

The run order is the local runner's (round-robin over the cells, one repetition per round), and
one child runs at a time, so two engines never share the nodes. A child is created only once
the one before it has ended; a restarted operator finds the children by name and goes on. A
child that could not be carried out (Failed, Error, no result) is recorded in its cell, and the
matrix goes on. The comparison itself is made outside the machine (the executor gathers it,
see :mod:`kobench.run.pods.comparing`); here it is written down.
"""

from __future__ import annotations

from collections.abc import Mapping

from kobench.api import BenchmarkSpec
from kobench.api.matrix_spec import CellPlan, interleaved, plan_cells
from kobench.api.matrix_status import MatrixStatus
from kobench.api.status import TERMINAL_PHASES
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.compare.digest import matrix_status
from kobench.measure.results import RunResult
from kobench.run.actions import Create, WriteResults
from kobench.run.draft import Draft
from kobench.run.observed import ChildView, Observed
from kobench.run.pods import role_manifests
from kobench.run.pods.child_manifests import child_benchmark, child_name, comparison_config_map
from kobench.run.pods.comparison_job import CellsInput, PlannedCell, StepOutcome
from kobench.run.pods.pod_names import RunNames
from kobench.run.reducers import bounded_reasons
from kobench.run.settings import Settings

MATRIX_PHASES = frozenset({"Pending", "RunningCells", "Comparing"})


def planned(spec: BenchmarkSpec) -> tuple[list[CellPlan], list[tuple[int, int]]]:
    """The matrix's cells and its run order (cell, repetition)."""
    matrix = spec.matrix
    if matrix is None:
        return [], []
    plans = plan_cells(spec.model_dump(by_alias=True, exclude_none=True), matrix)
    return plans, interleaved(len(plans), matrix.repetitions)


def ended(child: ChildView | None) -> bool:
    return child is not None and child.phase in TERMINAL_PHASES


def running_cells(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    """Start the next run once the one before it has ended; Comparing once all have."""
    plans, order = planned(spec)
    total = len(order)
    progress = d.status.matrix or MatrixStatus(runs=total)
    done = progress.done
    while done < total and ended(observed.children.get(child_name(d.names, done))):
        done += 1
    d.status.progress = f"{done}/{total}"
    if done == total:
        d.status.matrix = progress.model_copy(update={"done": done, "current": ""})
        d.move("Comparing", f"all {total} runs ended; comparing the cells")
        return
    if d.phase == "Pending":
        # The spec is frozen for the run, as for any run: an edit mid-matrix waits for the next.
        d.act(Create(role_manifests.build_run_config(d.names, d.resource.owner, spec)))
    index, repetition = order[done]
    name = child_name(d.names, done)
    if name not in observed.children:
        d.act(Create(child_benchmark(d.names, d.resource.owner, plans[index], done, repetition)))
    d.status.matrix = progress.model_copy(update={"done": done, "current": name})
    d.move(
        "RunningCells",
        f"run {done + 1}/{total}: {plans[index].id} #{repetition + 1} (benchmark {name})",
    )


def _outcome(child: ChildView | None, result: RunResult | None) -> StepOutcome:
    if child is None:
        return StepOutcome(failure="its benchmark is gone")
    if result is not None:
        return StepOutcome(result=result)
    why = f": {child.reason}" if child.reason else ""
    if child.phase == "Succeeded":
        return StepOutcome(failure=f"benchmark {child.name} left no result{why}")
    return StepOutcome(failure=f"benchmark {child.name} ended {child.phase}{why}")


def cells_input(
    names: RunNames,
    spec: BenchmarkSpec,
    children: Mapping[str, ChildView],
    results: Mapping[str, RunResult],
) -> CellsInput:
    """What the comparison is made from: each step's result (by child name) or why none."""
    plans, order = planned(spec)
    children_names = [child_name(names, step) for step in range(len(order))]
    return CellsInput(
        benchmark=names.benchmark,
        repetitions=spec.matrix.repetitions if spec.matrix else 1,
        cells=[PlannedCell(id=p.id, values=p.values) for p in plans],
        order=order,
        outcomes=[_outcome(children.get(n), results.get(n)) for n in children_names],
    )


def not_carried_out(comparison: MatrixComparison) -> list[str]:
    return [f"{cell.id} {why}" for cell in comparison.cells for why in cell.failures]


def comparing(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    """Write the comparison down: the results ConfigMap, the bounded status, the verdict."""
    comparison = observed.comparison
    if comparison is None:
        d.fail("CompareFailed", observed.comparison_error or "the runs could not be compared")
        return
    d.act(WriteResults(comparison_config_map(d.names, d.resource.owner, comparison)))
    status = d.status
    status.results_config_map = d.names.results
    status.matrix = matrix_status(comparison, runs=len(comparison.order))
    failures = not_carried_out(comparison)
    status.verdict = "Failed" if failures else "Passed"
    status.reasons = bounded_reasons([f"not carried out: {f}" for f in failures])
    headline = status.matrix.headline
    d.condition("Complete", "True", "Compared", headline)
    if failures:
        d.condition("Passed", "False", "RunsNotCarriedOut", "; ".join(status.reasons)[:2048])
    else:
        d.condition("Passed", "True", "Compared", headline)
    d.move("Succeeded", f"run {status.run_id} compared: {headline}", warning=bool(failures))


def advance_matrix(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    if d.phase == "Comparing":
        comparing(d, observed, spec, settings)
    else:
        running_cells(d, observed, spec, settings)
