"""The operator's comparison process (``python -m kobench.run.pods.comparison_job``), for real."""

from __future__ import annotations

import asyncio

from tests.unit.compare.runs import run

from kobench.run.pods.comparing import compare_cells
from kobench.run.pods.comparison_job import CellsInput, PlannedCell, StepOutcome


def two_cells(outcomes: list[StepOutcome]) -> CellsInput:
    return CellsInput(
        benchmark="m",
        repetitions=4,
        cells=[
            PlannedCell(id="rate=100", values={"rate": "100"}),
            PlannedCell(id="rate=200", values={"rate": "200"}),
        ],
        order=[(cell, rep) for rep in range(4) for cell in range(2)],
        outcomes=outcomes,
    )


def test_the_process_compares_the_cells_and_says_which_is_worse() -> None:
    # Four runs a side, the second cell's p50 three times the first's: Worse, in the process.
    outcomes = [
        StepOutcome(result=run((3.0 if step % 2 else 1.0) + step / 100, rate=100 * (1 + step % 2)))
        for step in range(8)
    ]
    comparison, error = asyncio.run(compare_cells(two_cells(outcomes)))
    assert error == "" and comparison is not None
    (pair,) = comparison.pairs
    p50 = next(f for f in pair.comparison.figures if f.figure == "p50Ms")
    assert (pair.axis, pair.a, pair.b, p50.verdict) == ("rate", "rate=100", "rate=200", "Worse")
    assert all(cell.runs == [] for cell in comparison.cells)  # the runs stay in the children


def test_a_broken_input_comes_back_as_one_line() -> None:
    comparison, error = asyncio.run(compare_cells(two_cells([StepOutcome(failure="x")])))
    assert comparison is None
    assert error.startswith("the comparison failed (exit 1): kobench.run.pods.comparison_job: ")


def test_a_comparison_past_its_deadline_is_stopped() -> None:
    outcomes = [StepOutcome(failure="not carried out") for _ in range(8)]
    comparison, error = asyncio.run(compare_cells(two_cells(outcomes), timeout=0.001))
    assert comparison is None and error == "the comparison took longer than 0s"
