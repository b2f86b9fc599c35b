"""``python -m kobench.run.pods.comparison_job``: a matrix's outcomes on stdin, its comparison
on stdout.

The operator compares a matrix's cells in this short-lived process rather than in its own:
scipy and numpy cost tens of megabytes once imported, and a long-running operator would keep
them for good. The input and output are JSON documents; an error is one line on stderr and
exit status 1.
"""

from __future__ import annotations

import sys
from typing import Annotated

from pydantic import Field, ValidationError

from kobench.api.basics import Document
from kobench.api.matrix_spec import CellPlan
from kobench.errors import KobenchError
from kobench.measure.compare.cell_comparison import Outcome, matrix_comparison
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import RunResult


class PlannedCell(Document):
    id: str
    values: dict[str, str]


class StepOutcome(Document):
    """One step of the run order: its result, or why it was not carried out."""

    result: RunResult | None = None
    failure: str = ""


class CellsInput(Document):
    benchmark: str
    repetitions: Annotated[int, Field(ge=1)]
    cells: list[PlannedCell]
    order: list[tuple[int, int]]
    outcomes: list[StepOutcome]


def compare_input(document: CellsInput) -> MatrixComparison:
    plans = [CellPlan(id=c.id, values=c.values, spec={}) for c in document.cells]
    outcomes: list[Outcome] = [
        o.result if o.result is not None else (o.failure or "no result") for o in document.outcomes
    ]
    return matrix_comparison(
        document.benchmark,
        document.repetitions,
        plans,
        document.order,
        outcomes,
        keep_runs=False,
    )


def main() -> int:
    try:
        document = CellsInput.model_validate_json(sys.stdin.buffer.read())
        comparison = compare_input(document)
    except (ValidationError, ValueError, KobenchError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"kobench.run.pods.comparison_job: {first}", file=sys.stderr)
        return 1
    sys.stdout.write(comparison.model_dump_json(by_alias=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
