"""Comparing a matrix's runs in a child process (``python -m kobench.run.pods.comparison_job``).

scipy and numpy take tens of megabytes once imported; the operator lives long and runs many
benchmarks, so it never imports them itself. The process gets the runs on stdin and prints the
comparison; it is given a deadline, and whatever goes wrong comes back as one line.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping

from pydantic import ValidationError

from kobench.api import BenchmarkSpec
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.run.observed import ChildView
from kobench.run.pods.comparison_job import CellsInput, PlannedCell, StepOutcome
from kobench.run.stages.matrix_cells import outcome, planned

TIMEOUT_SECONDS = 300.0


def cells_input(
    benchmark: str, spec: BenchmarkSpec, children: Mapping[int, ChildView]
) -> CellsInput:
    """What the comparison is made from: each step's result, or why there is none."""
    plans, order = planned(spec)
    outcomes = []
    for step in range(len(order)):
        found = outcome(children.get(step))
        outcomes.append(
            StepOutcome(failure=found) if isinstance(found, str) else StepOutcome(result=found)
        )
    return CellsInput(
        benchmark=benchmark,
        repetitions=spec.matrix.repetitions if spec.matrix else 1,
        cells=[PlannedCell(id=p.id, values=p.values) for p in plans],
        order=order,
        outcomes=outcomes,
    )


async def compare_cells(
    document: CellsInput, *, timeout: float = TIMEOUT_SECONDS
) -> tuple[MatrixComparison | None, str]:
    """(the comparison, "") or (None, why it could not be made)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kobench.run.pods.comparison_job",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    payload = document.model_dump_json(by_alias=True).encode()
    try:
        out, err = await asyncio.wait_for(process.communicate(payload), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None, f"the comparison took longer than {timeout:.0f}s"
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or ["no message"]
        return None, f"the comparison failed (exit {process.returncode}): {lines[-1]}"
    try:
        return MatrixComparison.model_validate_json(out), ""
    except ValidationError as exc:
        return None, f"the comparison printed no comparison document ({exc.error_count()} errors)"
