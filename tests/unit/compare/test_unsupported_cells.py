"""A matrix cell its engine cannot run is marked Unsupported and left out of the comparisons:
no pair, no failure, a headline that says so."""

from __future__ import annotations

from tests.unit.compare.runs import run

from kobench.api.matrix_spec import CellPlan
from kobench.measure.compare.cell_comparison import Unsupported, matrix_comparison
from kobench.measure.compare.digest import matrix_status
from kobench.run.observed import ChildView
from kobench.run.stages.matrix_cells import outcome


def plans() -> list[CellPlan]:
    return [CellPlan(f"mechanism={m}", {"mechanism": m}, {}) for m in ("publish", "spublish")]


def test_an_unsupported_cell_is_no_failure_and_in_no_pair() -> None:
    why = "spec.delivery.mechanism: engine keydb 6.3.4 (replica 0) does not support SSUBSCRIBE"
    order = [(0, 0), (1, 0)]
    comparison = matrix_comparison("m", 1, plans(), order, [run(1.0), Unsupported(why)])
    publish, spublish = comparison.cells
    assert spublish.unsupported == why and spublish.failures == [] and spublish.runs == []
    assert publish.unsupported == "" and len(publish.runs) == 1
    assert comparison.pairs == []
    status = matrix_status(comparison, runs=2)
    assert [c.unsupported for c in status.cells] == [False, True]
    assert status.cells[1].runs == 0 and status.cells[1].failures == 0
    assert "1 runs compared" in status.headline
    assert "1 cells unsupported by the engine (left out)" in status.headline


def test_a_child_the_engine_could_not_run_is_unsupported_not_failed() -> None:
    why = "spec.delivery.mechanism: ..."
    child = ChildView(name="m-002", phase="Error", reason=why, unsupported=True)
    assert outcome(child) == Unsupported("spec.delivery.mechanism: ...")
    failed = ChildView(name="m-002", phase="Error", reason="spec.workload.rate: too high")
    assert outcome(failed) == "benchmark m-002 ended Error: spec.workload.rate: too high"
