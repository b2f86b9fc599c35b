"""Comparisons as text: one table per comparison, a row per observer and figure.

Each side shows its median and interquartile range over the repetitions; then the median
difference (candidate - baseline), the ratio, the p-value, Cliff's delta and the verdict.
Tables fit the terminal (80 columns at least): names and the sides' ranges wrap, a number or a
verdict is never cut, and numbers never take exponent form.
"""

from __future__ import annotations

import io
import math

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
from kobench.present.table_fit import DEFAULT_WIDTH, fit, new_table, print_whole

WIDTH = DEFAULT_WIDTH
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


def _number(value: float, digits: int = 3) -> str:
    """``digits`` significant digits in plain notation: 1000 reads 1000 and 0.00001234
    reads 0.0000123, never 1e+03 or 1.23e-05."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude >= digits - 1:
        return f"{value:.0f}"
    text = f"{value:.{digits - 1 - magnitude}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _signed(value: float) -> str:
    return ("+" if value >= 0 else "") + _number(value)


def _spread(spread: Spread | None) -> str:
    if spread is None:
        return "-"
    if spread.q1 == spread.q3:
        return _number(spread.median)
    # Spaces between the parts: a narrow column wraps there, and no number is cut.
    return f"{_number(spread.median)} ({_number(spread.q1)} to {_number(spread.q3)})"


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
        "-" if figure.median_difference is None else _signed(figure.median_difference),
        "-" if figure.median_ratio is None else f"{_number(figure.median_ratio)}x",
        "-" if figure.p_value is None else f"{figure.p_value:.3f}",
        "-" if figure.cliffs_delta is None else f"{figure.cliffs_delta:+.2f}",
        f"[{VERDICT_STYLE[figure.verdict]}]{figure.verdict}[/]"
        if VERDICT_STYLE[figure.verdict]
        else figure.verdict,
    ]


def comparison_table(comparison: Comparison, *, title: str = "", width: int = WIDTH) -> Table:
    base, cand = comparison.baseline, comparison.candidate
    table = new_table(title or f"{cand.label} against {base.label} (ms unless said; median (IQR))")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in {"observer", "figure"} else "right")
    rows = [_row(figure) for figure in comparison.figures]
    for row in rows:
        table.add_row(*row)
    # Too wide, the observer's name folds and the sides' ranges wrap; a number never does.
    fit(table, rows, width, wraps=("baseline", "candidate"), folds=("observer",))
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


def render_comparison(comparison: Comparison, *, color: bool = False, width: int = WIDTH) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color)
    for line in _side_lines(comparison):
        console.print(line, markup=False)
    print_whole(console, comparison_table(comparison, width=width))
    criteria = comparison.criteria
    console.print(
        f"Mann-Whitney U two-sided, alpha {criteria.alpha}, at least "
        f"{criteria.min_repetitions} repetitions a side; NoDifference needs |delta| < "
        f"{criteria.large_effect} or medians within {criteria.tolerance:.0%}",
        markup=False,
    )
    return _finish(console, buffer, color)


CELL_FIGURES = ("p50Ms", "p99Ms", "maxMs", "lossPercent")


def cells_table(document: MatrixComparison, *, width: int = WIDTH) -> Table:
    """Per cell and observer: the median of each figure (and its IQR), the runs measured."""
    table = new_table("Cells (ms unless said; median (IQR) over the repetitions)")
    columns = ("observer", "p50", "p99", "max", "loss %", "rate/s")
    for column in columns:
        table.add_column(column, justify="left" if column == "observer" else "right")
    rows: list[list[str]] = []
    for cell in document.cells:
        runs = f"{len(cell.runs)} run{'' if len(cell.runs) == 1 else 's'}"
        rows.append([f"{cell.id} ({runs})", *([""] * (len(columns) - 1))])
        table.add_row(*rows[-1], style="bold")
        rate = _spread(cell.summary.get("writers", {}).get("achievedRate"))
        for subject, figures in cell.summary.items():
            if subject == "writers":
                continue
            rows.append([f"  {subject}", *(_spread(figures.get(n)) for n in CELL_FIGURES), rate])
            table.add_row(*rows[-1])
    # A cell's id has no spaces: it folds; the ranges wrap between their numbers.
    fit(table, rows, width, wraps=columns[1:], folds=("observer",), least=12)
    return table


def _ms_or_dash(value: float | None) -> str:
    return "-" if value is None else _number(value)


def sweeps_table(document: MatrixComparison, *, width: int = WIDTH) -> Table:
    """Per sweep (other axes alike) and observer: p50/p99 by rate, and where it stops keeping up."""
    table = new_table("Rate sweep (medians; ms; * = lost events or saturated at that rate)")
    columns = ("cells", "observer", "rate: p50 / p99", "sustains")
    for column in columns:
        table.add_column(column, justify="right" if column == "sustains" else "left")
    rows = []
    for sweep in document.sweeps:
        points = "  ".join(
            f"{p.rate}: {_ms_or_dash(p.p50_ms)} / {_ms_or_dash(p.p99_ms)}"
            + ("" if p.sustained else "*")
            for p in sweep.points
        )
        highest = sweep.highest_sustained_rate
        sustains = "none" if highest is None else f"{highest}/s"
        rows.append([sweep.group or "-", sweep.observer, points, sustains])
        table.add_row(*rows[-1])
    fit(table, rows, width, wraps=("rate: p50 / p99",), folds=("cells", "observer"))
    return table


def render_matrix(document: MatrixComparison, *, color: bool = False, width: int = WIDTH) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, no_color=not color)
    console.print(
        f"{document.benchmark}: {len(document.cells)} cells x {document.repetitions} "
        f"repetitions, run order {' '.join(document.order)}",
        markup=False,
    )
    print_whole(console, cells_table(document, width=width))
    found = document.sweeps or sweeps(document.cells)  # a document written before sweeps
    if found:
        swept = document.model_copy(update={"sweeps": found})
        print_whole(console, sweeps_table(swept, width=width))
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
        title = f"{pair.axis}: {pair.b} against {pair.a}"
        print_whole(console, comparison_table(pair.comparison, title=title, width=width))
    if not document.pairs:
        console.print("no pair of cells differs on exactly one axis", markup=False)
    return _finish(console, buffer, color)
