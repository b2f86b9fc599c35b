"""``python -m kobench.compare.job``: a matrix's outcomes on stdin, its comparison on stdout.

The operator compares a matrix's cells in this short-lived process rather than in its own:
scipy and numpy cost tens of megabytes once imported, and a long-running operator would keep
them for good. The input and output are JSON documents; an error is one line on stderr and
exit status 1.
"""

from __future__ import annotations

import sys
from typing import Annotated

from pydantic import Field, ValidationError

from kobench.compare.cells import Outcome, matrix_comparison
from kobench.compare.model import Doc, MatrixComparison
from kobench.errors import KobenchError
from kobench.results import RunResult
from kobench.spec.matrix import CellPlan


class PlannedCell(Doc):
    id: str
    values: dict[str, str]


class StepOutcome(Doc):
    """One step of the run order: its result, or why it was not carried out."""

    result: RunResult | None = None
    failure: str = ""


class CellsInput(Doc):
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
        print(f"kobench.compare.job: {first}", file=sys.stderr)
        return 1
    sys.stdout.write(comparison.model_dump_json(by_alias=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
