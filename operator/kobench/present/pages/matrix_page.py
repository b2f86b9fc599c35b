"""The HTML page of a matrix comparison: the latency-throughput curves of its rate sweeps, the
cells and the pairs of cells that differ on one axis. One self-contained file, like the run
report (same styles, uPlot and drawing script)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from kobench.measure.compare.comparison_docs import MatrixComparison, Sweep
from kobench.measure.compare.digest import cell_line, headline, pair_line
from kobench.present.pages.page_data import Line, Plot
from kobench.present.pages.run_page import html_page, html_table

VERDICT_CLASS = {"Worse": "failed", "Better": "passed", "Inconclusive": "invalid"}


def _curve(name: str, sweeps: Sequence[Sweep], figure: str) -> Plot | None:
    """One line per sweep (group and observer): the median ``figure`` at each achieved rate
    (the target rate where none was measured)."""
    lines = []
    for group, sweep in enumerate(sweeps):
        points = sorted(
            (p.achieved_rate if p.achieved_rate is not None else float(p.rate), value)
            for p in sweep.points
            if (value := getattr(p, figure)) is not None
        )
        if not points:
            continue
        label = f"{sweep.group} {sweep.observer}".strip()
        lines.append(Line(label, [x for x, _ in points], [y for _, y in points], group=group))
    if not lines:
        return None
    title = f"{name} against throughput (medians over the repetitions)"
    return Plot(f"sweep-{figure}", "sweep", title, f"{name} (ms)", lines)


def matrix_plots(comparison: MatrixComparison) -> list[Plot]:
    curves = (_curve(n, comparison.sweeps, f) for n, f in (("p50", "p50_ms"), ("p99", "p99_ms")))
    return [plot for plot in curves if plot is not None]


def _figure(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _cells(comparison: MatrixComparison) -> str:
    rows = []
    for cell in comparison.cells:
        line = cell_line(cell, comparison.repetitions)
        rows.append(
            [
                escape(cell.id),
                f"{line.runs}/{comparison.repetitions}",
                _figure(line.p50_ms),
                _figure(line.p99_ms),
                _figure(line.loss_percent, 2),
                _figure(line.achieved_rate, 0),
            ]
        )
    head = ["cell", "runs", "p50", "p99", "loss %", "writes/s"]
    failures = "".join(
        f"<li>{escape(cell.id)} {escape(why)}</li>"
        for cell in comparison.cells
        for why in cell.failures
    )
    return (
        "<h2>Cells (medians; the worst observer's)</h2>"
        + html_table(head, rows, "numbers")
        + (f'<ul class="reasons">{failures}</ul>' if failures else "")
    )


def _pairs(comparison: MatrixComparison) -> str:
    rows = []
    for pair in comparison.pairs:
        line = pair_line(pair)
        css = VERDICT_CLASS.get(line.p99, "")
        counts = ", ".join(f"{n} {v}" for v, n in sorted(line.verdicts.items()))
        rows.append(
            [
                escape(pair.axis),
                escape(pair.a),
                escape(pair.b),
                f'<span class="verdict {css}">{escape(line.p99 or "-")}</span>',
                escape(counts),
            ]
        )
    if not rows:
        return "<h2>Pairs</h2><p>No two cells differ on exactly one axis.</p>"
    head = ["axis", "a (baseline)", "b (candidate)", "b's p99", "every figure"]
    return "<h2>Pairs of cells that differ on one axis</h2>" + html_table(head, rows)


def render_matrix_html(comparison: MatrixComparison) -> str:
    tables = f'<section class="run">{_cells(comparison)}{_pairs(comparison)}</section>'
    header = f"<p>{escape(headline(comparison))}</p>"
    return html_page(f"matrix {comparison.benchmark}", header, tables, matrix_plots(comparison))
