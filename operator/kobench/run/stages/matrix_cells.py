"""A matrix (pure): its runs one after another as child benchmarks (RunningCells), then their
results compared (Comparing), then Succeeded.

The run order is round-robin over the cells, one repetition per round, and one child runs at a
time, so two engines never share the machine or the nodes. A child is started only once the one
before it has ended; a restarted operator finds the children and goes on. A child that could not
be carried out (Failed, Error, no result) is recorded in its cell, and the matrix goes on. The
comparison itself is made by the executor (in a short-lived process in the operator, so scipy
stays out of it); here it is written down.
"""

from __future__ import annotations

from collections.abc import Mapping

from kobench.api import BenchmarkSpec
from kobench.api.matrix_spec import CellPlan, interleaved, plan_cells
from kobench.api.matrix_status import MatrixStatus
from kobench.api.status_terms import TERMINAL_PHASES
from kobench.measure.compare.cell_comparison import Outcome, Unsupported, matrix_comparison
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.compare.digest import matrix_status
from kobench.run.actions import FreezeSpec, KeepComparison, StartChild
from kobench.run.draft import Draft
from kobench.run.observed import ChildView, Observed
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


def running_cells(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    """Start the next run once the one before it has ended; Comparing once all have."""
    del settings
    plans, order = planned(spec)
    total = len(order)
    progress = d.status.matrix or MatrixStatus(runs=total)
    done = progress.done
    while done < total and ended(observed.children.get(done)):
        done += 1
    d.status.progress = f"{done}/{total}"
    if done == total:
        d.status.matrix = progress.model_copy(update={"done": done, "current": ""})
        d.move("Comparing", f"all {total} runs ended; comparing the cells")
        return ""
    if d.phase == "Pending":
        d.act(FreezeSpec())  # an edit mid-matrix waits for the next run, as for any run
    index, repetition = order[done]
    child = observed.children.get(done)
    if child is None:
        d.act(StartChild(done, plans[index], repetition))
    d.status.matrix = progress.model_copy(
        update={"done": done, "current": child.name if child else ""}
    )
    d.move("RunningCells", f"run {done + 1}/{total}: {plans[index].id} #{repetition + 1}")
    return ""


def outcome(child: ChildView | None) -> Outcome:
    """One step's result, or why there is none."""
    if child is None:
        return "its benchmark is gone"
    if child.result is not None:
        return child.result
    if child.unsupported:
        return Unsupported(child.reason)
    why = f": {child.reason}" if child.reason else ""
    if child.phase == "Succeeded":
        return f"benchmark {child.name} left no result{why}"
    return f"benchmark {child.name} ended {child.phase}{why}"


def compare_children(
    benchmark: str, spec: BenchmarkSpec, children: Mapping[int, ChildView]
) -> MatrixComparison:
    """The matrix's comparison from its children (in-process: scipy must be importable)."""
    plans, order = planned(spec)
    repetitions = spec.matrix.repetitions if spec.matrix else 1
    outcomes = [outcome(children.get(step)) for step in range(len(order))]
    return matrix_comparison(benchmark, repetitions, plans, order, outcomes)


def not_carried_out(comparison: MatrixComparison) -> list[str]:
    return [f"{cell.id} {why}" for cell in comparison.cells for why in cell.failures]


def comparing(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    """Write the comparison down: kept, bounded in the status, the verdict."""
    del spec, settings
    comparison = observed.comparison
    if comparison is None:
        d.fail("CompareFailed", observed.comparison_error or "the runs could not be compared")
        return ""
    d.act(KeepComparison(comparison))
    status = d.status
    status.results_config_map = observed.results_name
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
    return ""


def advance_matrix(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    if d.phase == "Comparing":
        return comparing(d, observed, spec, settings)
    return running_cells(d, observed, spec, settings)
