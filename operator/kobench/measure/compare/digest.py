"""A matrix's comparison, digested (pure): per cell the worst observer's medians, per pair of
cells the p99 verdict and a count of every figure's verdicts, the sweeps'
highest sustained rates, and a headline; bounded for the status (the full document goes to the
results ConfigMap), and what the matrix's report page tabulates."""

from __future__ import annotations

from collections import Counter

from kobench.api.matrix_status import MAX_MATRIX_LINES, CellLine, MatrixStatus, PairLine, SweepLine
from kobench.measure.compare.comparison_docs import Cell, CellPair, MatrixComparison, Verdict
from kobench.measure.compare.figures import WRITERS

VERDICTS: tuple[Verdict, ...] = ("Worse", "Inconclusive", "Better", "NoDifference")
"""From the most to the least alarming: a pair's p99 verdict is its observers' worst."""


def _worst(cell: Cell, figure: str) -> float | None:
    """The highest median of ``figure`` over the cell's observers (None: none measured it)."""
    medians = [
        spreads[figure].median
        for subject, spreads in cell.summary.items()
        if subject != WRITERS and figure in spreads
    ]
    return round(max(medians), 3) if medians else None


def cell_line(cell: Cell, repetitions: int) -> CellLine:
    rate = cell.summary.get(WRITERS, {}).get("achievedRate")
    return CellLine(
        id=cell.id,
        runs=0 if cell.unsupported else repetitions - len(cell.failures),
        failures=len(cell.failures),
        unsupported=bool(cell.unsupported),
        p50_ms=_worst(cell, "p50Ms"),
        p99_ms=_worst(cell, "p99Ms"),
        loss_percent=_worst(cell, "lossPercent"),
        achieved_rate=round(rate.median, 1) if rate is not None else None,
    )


def pair_line(pair: CellPair) -> PairLine:
    figures = pair.comparison.figures
    p99 = {f.verdict for f in figures if f.figure == "p99Ms"}
    return PairLine(
        axis=pair.axis,
        a=pair.a,
        b=pair.b,
        p99=next((v for v in VERDICTS if v in p99), ""),
        verdicts=dict(Counter(f.verdict for f in figures)),
    )


def headline(comparison: MatrixComparison) -> str:
    failed = sum(len(c.failures) for c in comparison.cells)
    unsupported = sum(1 for c in comparison.cells if c.unsupported)
    runs = comparison.repetitions * (len(comparison.cells) - unsupported) - failed
    text = f"{len(comparison.cells)} cells, {runs} runs compared"
    if failed:
        text += f", {failed} not carried out"
    if unsupported:
        text += f", {unsupported} cells unsupported by the engine (left out)"
    p99 = Counter(pair_line(p).p99 for p in comparison.pairs)
    if comparison.pairs:
        counts = ", ".join(f"{p99[v]} {v}" for v in VERDICTS if p99[v])
        text += f"; p99 over {len(comparison.pairs)} pairs: {counts}"
    rates = [
        f"{s.observer}{f' ({s.group})' if s.group else ''} {s.highest_sustained_rate or 0}/s"
        for s in comparison.sweeps
    ]
    if rates:
        text += "; highest sustained: " + ", ".join(rates)
    return text[:1024]


def matrix_status(comparison: MatrixComparison, runs: int) -> MatrixStatus:
    cells = [cell_line(c, comparison.repetitions) for c in comparison.cells]
    pairs = [pair_line(p) for p in comparison.pairs]
    sweeps = [
        SweepLine(
            group=s.group, observer=s.observer, highest_sustained_rate=s.highest_sustained_rate
        )
        for s in comparison.sweeps
    ]
    # The alarming pairs first, so a bounded list keeps what a reader must see.
    pairs.sort(key=lambda p: VERDICTS.index(p.p99) if p.p99 in VERDICTS else len(VERDICTS))
    lines = (cells, pairs, sweeps)
    return MatrixStatus(
        runs=runs,
        done=runs,
        headline=headline(comparison),
        cells=cells[:MAX_MATRIX_LINES],
        pairs=pairs[:MAX_MATRIX_LINES],
        sweeps=sweeps[:MAX_MATRIX_LINES],
        truncated=any(len(line) > MAX_MATRIX_LINES for line in lines),
    )
