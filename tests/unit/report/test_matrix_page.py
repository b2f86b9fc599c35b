"""A matrix's page, drawn by headless Chromium: the sweeps' curves, the cells and the pairs, with
the figures of a comparison made from runs of known latency."""

from __future__ import annotations

from pathlib import Path

from testkit.chromium import assert_drawn, render
from tests.unit.compare.runs import run

from kobench.api.matrix_spec import CellPlan
from kobench.measure.compare.cell_comparison import matrix_comparison
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.present.cli import main
from kobench.present.pages.matrix_page import matrix_plots, render_matrix_html


def known_matrix() -> MatrixComparison:
    """observerMode x rate, four repetitions: async at 1 ms, sync at 2 ms at 100/s and 4 ms at
    200/s (a sweep whose p50 doubles with the rate)."""
    cells = [
        CellPlan(f"observerMode={mode},rate={rate}", {"observerMode": mode, "rate": str(rate)}, {})
        for mode in ("async", "sync")
        for rate in (100, 200)
    ]
    p50 = {0: 1.0, 1: 1.0, 2: 2.0, 3: 4.0}
    order = [(cell, rep) for rep in range(4) for cell in range(4)]
    outcomes = [run(p50[cell] + rep / 1000, rate=100 * (1 + cell % 2)) for cell, rep in order]
    return matrix_comparison("known", 4, cells, order, outcomes)


def test_the_sweeps_are_curves_of_their_medians() -> None:
    comparison = known_matrix()
    p50, p99 = matrix_plots(comparison)
    by_label = {line.label: line for line in p50.lines}
    sync = next(
        line for label, line in by_label.items() if "sync" in label and "async" not in label
    )
    assert [round(y or 0, 2) for y in sync.y] == [2.0, 4.0]
    assert all(line.y == sorted(line.y, key=lambda v: v or 0) for line in p99.lines)


def test_the_matrix_page_draws_both_curves_and_names_the_worse_cell(tmp_path: Path) -> None:
    comparison = known_matrix()
    page = tmp_path / "matrix.html"
    page.write_text(render_matrix_html(comparison))
    rendered = render(page, tmp_path, name="matrix-known.png")
    assert_drawn(rendered, plots=2)
    assert rendered.console == []
    # sync at 200/s against sync at 100/s: twice the p50, four repetitions a side.
    assert "observerMode=sync,rate=200" in rendered.dom and ">Worse<" in rendered.dom


def test_kobench_compare_writes_the_page_of_a_matrix_document(tmp_path: Path) -> None:
    comparison = known_matrix()
    document = tmp_path / "matrix.json"
    document.write_text(comparison.model_dump_json(by_alias=True))
    page = tmp_path / "matrix.html"
    assert main(["compare", str(document), "--html", str(page)]) == 0
    text = page.read_text()
    assert "p99 against throughput" in text and "observerMode=sync,rate=200" in text
