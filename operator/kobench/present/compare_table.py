"""Comparisons as text: one table per comparison, a row per observer and figure.

Each side shows its median and interquartile range over the repetitions; then the median
difference (candidate - baseline), the ratio, the p-value, Cliff's delta and the verdict.
"""

from __future__ import annotations

import io

from rich import box
from rich.console import Console
from rich.table import Table

from kobench.measure.compare.comparison_docs import (
    Comparison,
    FigureComparison,
    MatrixComparison,
    Spread,
)
from kobench.measure.compare.decision_rule import DEFAULT_CRITERIA
from kobench.measure.compare.figures import OBSERVER_FIGURES, WRITER_FIGURES
from kobench.measure.compare.sweep import sweeps

WIDTH = 100
LABELS = {f.name: f.label for f in (*OBSERVER_FIGURES, *WRITER_FIGURES)}
VERDICT_STYLE = {
    "Better": "bold green",
    "Worse": "bold red",
    "NoDifference": "",
    "Inconclusive": "yellow",
}
COLUMNS = (
    *("observer", "figure", "n", "baseline", "candidate"),
    *("diff", "ratio", "p", "delta", "verdict"),
)


def _number(value: float) -> str:
    """Three significant digits, never in exponent form (a rate of 1000 reads 1000, not 1e+03)."""
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _spread(spread: Spread | None) -> str:
    if spread is None:
        return "-"
    if spread.q1 == spread.q3:
        return _number(spread.median)
    return f"{_number(spread.median)} ({_number(spread.q1)}-{_number(spread.q3)})"


def _count(figure: FigureComparison) -> str:
    return "/".join(str(s.n if s else 0) for s in (figure.baseline, figure.candidate))


def _row(figure: FigureComparison) -> list[str]:
    unit = {"ms": "", "%": " %", "writes/s": "/s"}.get(figure.unit, f" {figure.unit}")
    return [
        figure.subject,
        LABELS.get(figure.figure, figure.figure) + unit,
        _count(figure),
        _spread(figure.baseline),
        _spread(figure.candidate),
        "-" if figure.median_difference is None else f"{figure.median_difference:+.3g}",
        "-" if figure.median_ratio is None else f"{figure.median_ratio:.2f}x",
        "-" if figure.p_value is None else f"{figure.p_value:.3f}",
        "-" if figure.cliffs_delta is None else f"{figure.cliffs_delta:+.2f}",
        f"[{VERDICT_STYLE[figure.verdict]}]{figure.verdict}[/]"
        if VERDICT_STYLE[figure.verdict]
        else figure.verdict,
    ]


def comparison_table(comparison: Comparison, *, title: str = "") -> Table:
    base, cand = comparison.baseline, comparison.candidate
    table = _table(title or f"{cand.label} against {base.label} (ms unless said; median (IQR))")
    # A number is never cut short; an observer's name wraps only beyond 12 characters.
    widest = min(12, max([len("observer"), *(len(f.subject) for f in comparison.figures)]))
    for column in COLUMNS:
        left = column in {"observer", "figure"}
        wraps = column == "observer"
        table.add_column(
            column,
            justify="left" if left else "right",
            no_wrap=not wraps,
            overflow="fold",
            min_width=widest if wraps else None,
        )
    for figure in comparison.figures:
        table.add_row(*_row(figure))
    return table


def _side_lines(comparison: Comparison) -> list[str]:
    lines = []
    for side in (comparison.baseline, comparison.candidate):
        observers = ", ".join(f"{n} ({m})" for n, m in sorted(side.observers.items()))
        lines.append(
            f"{side.label}: {len(side.runs)} runs, engine {side.engine}, rate "
            f"{side.target_rate}/s, observers {observers}"
        )
        lines += [f"  left out: {why}" for why in side.excluded]
    return lines


def _finish(console: Console, buffer: io.StringIO, color: bool) -> str:
    text = buffer.getvalue()
    if color:
        return text
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def render_comparison(comparison: Comparison, *, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, force_terminal=color, no_color=not color)
    for line in _side_lines(comparison):
        console.print(line, markup=False)
    console.print(comparison_table(comparison))
    criteria = comparison.criteria
    console.print(
        f"Mann-Whitney U two-sided, alpha {criteria.alpha}, at least "
        f"{criteria.min_repetitions} repetitions a side; NoDifference needs |delta| < "
        f"{criteria.large_effect} or medians within {criteria.tolerance:.0%}",
        markup=False,
    )
    return _finish(console, buffer, color)


def _table(title: str) -> Table:
    """A table of this module's look: title on the left, a simple head, compact padding."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )


CELL_FIGURES = ("p50Ms", "p99Ms", "maxMs", "lossPercent")


def cells_table(document: MatrixComparison) -> Table:
    """Per cell and observer: the median of each figure (and its IQR), the runs measured."""
    table = _table("Cells (ms unless said; median (IQR) over the repetitions)")
    columns = ("observer", "p50", "p99", "max", "loss %", "rate/s")
    # The cell's id heads its rows: the first column must keep room for it on a narrow terminal.
    widest = max((len(cell.id) + 9 for cell in document.cells), default=10)
    for column in columns:
        left = column == "observer"
        table.add_column(
            column,
            justify="left" if left else "right",
            no_wrap=not left,
            min_width=min(widest, 28) if left else None,
            overflow="fold" if left else "ellipsis",  # an id has no spaces to wrap at
        )
    for cell in document.cells:
        runs = f"{len(cell.runs)} run{'' if len(cell.runs) == 1 else 's'}"
        table.add_row(f"{cell.id} ({runs})", *([""] * (len(columns) - 1)), style="bold")
        rate = _spread(cell.summary.get("writers", {}).get("achievedRate"))
        for subject, figures in cell.summary.items():
            if subject == "writers":
                continue
            spreads = [_spread(figures.get(name)) for name in CELL_FIGURES]
            table.add_row(f"  {subject}", *spreads, rate)
    return table


def _ms_or_dash(value: float | None) -> str:
    return "-" if value is None else _number(value)


def sweeps_table(document: MatrixComparison) -> Table:
    """Per sweep (other axes alike) and observer: p50/p99 by rate, and where it stops keeping up."""
    table = _table("Rate sweep (medians; ms; * = lost events or saturated at that rate)")
    for column in ("cells", "observer", "rate: p50 / p99", "sustains"):
        table.add_column(column, justify="right" if column == "sustains" else "left")
    for sweep in document.sweeps:
        points = "  ".join(
            f"{p.rate}: {_ms_or_dash(p.p50_ms)} / {_ms_or_dash(p.p99_ms)}"
            + ("" if p.sustained else "*")
            for p in sweep.points
        )
        highest = sweep.highest_sustained_rate
        sustains = "none" if highest is None else f"{highest}/s"
        table.add_row(sweep.group or "-", sweep.observer, points, sustains)
    return table


def render_matrix(document: MatrixComparison, *, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=WIDTH, force_terminal=color, no_color=not color)
    console.print(
        f"{document.benchmark}: {len(document.cells)} cells x {document.repetitions} "
        f"repetitions, run order {' '.join(document.order)}",
        markup=False,
    )
    console.print(cells_table(document))
    found = document.sweeps or sweeps(document.cells)  # a document written before sweeps
    if found:
        console.print(sweeps_table(document.model_copy(update={"sweeps": found})))
    for cell in document.cells:
        for failure in cell.failures:
            console.print(f"{cell.id}: not carried out: {failure}", markup=False)
    if document.pairs and document.repetitions < DEFAULT_CRITERIA.min_repetitions:
        console.print(
            f"{document.repetitions} repetitions per cell: fewer than "
            f"{DEFAULT_CRITERIA.min_repetitions}, so every verdict is Inconclusive",
            markup=False,
        )
    for pair in document.pairs:
        console.print(
            comparison_table(pair.comparison, title=f"{pair.axis}: {pair.b} against {pair.a}")
        )
    if not document.pairs:
        console.print("no pair of cells differs on exactly one axis", markup=False)
    return _finish(console, buffer, color)
