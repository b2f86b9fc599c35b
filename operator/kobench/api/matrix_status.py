"""A matrix's part of the status: its progress and its comparison, bounded (the whole one is in
the results ConfigMap). Camel case on the wire, like the rest of the status."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document

MAX_MATRIX_LINES = 48


class CellLine(Document):
    """One cell of a matrix, over its repetitions: medians of the worst observer's figures."""

    id: str
    runs: Annotated[int, Field(description="Repetitions carried out.")] = 0
    failures: Annotated[int, Field(description="Repetitions not carried out.")] = 0
    unsupported: Annotated[
        bool, Field(description="The engine cannot run this cell: left out of the comparisons.")
    ] = False
    p50_ms: float | None = None
    p99_ms: float | None = None
    loss_percent: Annotated[
        float | None, Field(description="Median share of the events missed (%).")
    ] = None
    achieved_rate: float | None = None


class PairLine(Document):
    """Two cells that differ on one axis: b against a, the verdict of each figure counted."""

    axis: str
    a: str
    b: str
    p99: Annotated[
        str, Field(description="b's p99 verdict against a's (the worst observer's).")
    ] = ""
    verdicts: Annotated[
        dict[str, int], Field(description="Better / Worse / NoDifference / Inconclusive counts.")
    ] = {}


class SweepLine(Document):
    group: str = ""
    observer: str
    highest_sustained_rate: int | None = None


class MatrixStatus(Document):
    """A matrix's progress and its comparison, bounded (the full one is in the results
    ConfigMap, each run's result in its child's)."""

    runs: Annotated[int, Field(description="Runs in all: cells x repetitions.")] = 0
    done: Annotated[int, Field(description="Runs that ended.")] = 0
    current: Annotated[str, Field(description="The child benchmark running now.")] = ""
    headline: Annotated[str, Field(max_length=1024)] = ""
    cells: Annotated[list[CellLine], Field(max_length=MAX_MATRIX_LINES)] = []
    pairs: Annotated[list[PairLine], Field(max_length=MAX_MATRIX_LINES)] = []
    sweeps: Annotated[list[SweepLine], Field(max_length=MAX_MATRIX_LINES)] = []
    truncated: Annotated[bool, Field(description="Some cells or pairs are left out here.")] = False


__all__ = ["MAX_MATRIX_LINES", "CellLine", "MatrixStatus", "PairLine", "SweepLine"]
