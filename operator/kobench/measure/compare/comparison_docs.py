"""The comparison documents: a figure's spread, a verdict per figure, a comparison of two sides
and the document a matrix run writes (cells and the pairs that differ on one axis).

Camel case on the wire, like the result documents, so the operator can put the same document in
a results ConfigMap and a bounded part of it in the status.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from kobench.api.basics import Document
from kobench.measure.results import RunResult

COMPARISON_SCHEMA_VERSION = 1

Verdict = Literal["Better", "Worse", "NoDifference", "Inconclusive"]


class Spread(Document):
    """One figure over the repetitions of one side."""

    n: Annotated[int, Field(description="Repetitions that measured the figure.")]
    median: float
    q1: Annotated[float, Field(description="First quartile (inclusive method).")]
    q3: Annotated[float, Field(description="Third quartile (inclusive method).")]
    min: float
    max: float
    values: Annotated[list[float], Field(description="Each repetition's value, in run order.")]


class FigureComparison(Document):
    """A figure of one subject on both sides, and the candidate's verdict against the baseline."""

    subject: Annotated[str, Field(description="Observer name, or 'writers'.")]
    figure: Annotated[str, Field(description="p50Ms, p99Ms, maxMs, lossPercent, achievedRate.")]
    unit: str
    better: Literal["lower", "higher"]
    baseline: Spread | None
    candidate: Spread | None
    verdict: Annotated[Verdict, Field(description="The candidate against the baseline.")]
    reason: Annotated[str, Field(description="Why this verdict, with the numbers.")]
    p_value: Annotated[float | None, Field(description="Two-sided Mann-Whitney U p-value.")] = None
    cliffs_delta: Annotated[
        float | None,
        Field(
            description="P(candidate > baseline) - P(candidate < baseline), from -1 to +1 "
            "(the rank-biserial correlation of U)."
        ),
    ] = None
    median_difference: Annotated[
        float | None, Field(description="Candidate median minus baseline median.")
    ] = None
    median_ratio: Annotated[
        float | None, Field(description="Candidate median / baseline median (none for 0).")
    ] = None


class Criteria(Document):
    """The decision rule's parameters (see :mod:`kobench.measure.compare.decision_rule`)."""

    alpha: float
    min_repetitions: int
    large_effect: float
    tolerance: float


class Side(Document):
    """The runs on one side of a comparison, as found in their documents."""

    label: str
    runs: Annotated[list[str], Field(description="Run ids (or file names) measured.")]
    excluded: Annotated[
        list[str], Field(description="Runs left out, with why (an Invalid run's numbers).")
    ] = []
    engine: str = ""
    target_rate: int = 0
    observers: Annotated[dict[str, str], Field(description="Observer name -> mode.")] = {}


class Comparison(Document):
    """A candidate side against a baseline side, figure by figure."""

    schema_version: int = COMPARISON_SCHEMA_VERSION
    kind: Literal["Comparison"] = "Comparison"
    baseline: Side
    candidate: Side
    criteria: Criteria
    figures: list[FigureComparison]

    def verdicts(self) -> dict[tuple[str, str], Verdict]:
        return {(f.subject, f.figure): f.verdict for f in self.figures}


class Cell(Document):
    """One cell of a matrix: its axis values, its repetitions' results and their spread."""

    id: Annotated[str, Field(description="Stable cell id, e.g. 'engine=redis,rate=1000'.")]
    values: Annotated[dict[str, Any], Field(description="Axis name -> this cell's value.")]
    runs: list[RunResult] = []
    failures: Annotated[
        list[str], Field(description="Repetitions that could not be carried out, and why.")
    ] = []
    unsupported: Annotated[
        str,
        Field(
            description="Why the engine cannot run this cell (the capability probe's answer); "
            "empty when it can. Such a cell is left out of the comparisons."
        ),
    ] = ""
    summary: Annotated[
        dict[str, dict[str, Spread]],
        Field(description="Subject -> figure -> spread over the repetitions."),
    ] = {}


class CellPair(Document):
    """Two cells that differ on exactly one axis: b (candidate) against a (baseline)."""

    axis: str
    a: str
    b: str
    comparison: Comparison


class SweepPoint(Document):
    """One rate of a sweep, over its cell's repetitions (medians)."""

    rate: Annotated[int, Field(description="The cell's target rate (writes/s per writer).")]
    runs: int
    achieved_rate: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    sustained: Annotated[bool, Field(description="Every repetition: no event lost, no saturation.")]


class Sweep(Document):
    """An observer over the rates of one group of cells (the other axes' values alike)."""

    group: Annotated[str, Field(description="The other axes' values ('' when rate is alone).")]
    observer: str
    points: list[SweepPoint]
    highest_sustained_rate: Annotated[
        int | None,
        Field(
            description="Highest rate sustained at every rate up to it (none: not even the lowest)."
        ),
    ] = None


class MatrixComparison(Document):
    """What a matrix run writes: every cell, and every pair of cells that differ on one axis."""

    schema_version: int = COMPARISON_SCHEMA_VERSION
    kind: Literal["MatrixComparison"] = "MatrixComparison"
    benchmark: str
    repetitions: int
    order: Annotated[list[str], Field(description="Cell ids in the order they ran.")]
    cells: list[Cell]
    pairs: list[CellPair]
    sweeps: Annotated[
        list[Sweep], Field(description="With a rate axis: each observer's latency by rate.")
    ] = []
