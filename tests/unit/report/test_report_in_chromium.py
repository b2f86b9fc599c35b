"""The report page drawn for real by headless Chromium: no console message, every chart there."""

from __future__ import annotations

from pathlib import Path

from testkit.chromium import assert_drawn, render
from tests.unit.report.documents import run_result

from kobench.present.pages import write_html


def test_one_run_draws_every_chart(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    write_html(page, [run_result()], [{"engine": {"type": "redis", "replicas": 2}}])
    rendered = render(page, tmp_path, name="report-known.png")
    assert_drawn(rendered, plots=3)  # distribution, latency over time, counts
    assert "Connection reset by peer" in rendered.dom


def test_a_comparison_draws_the_sweep_too(tmp_path: Path) -> None:
    page = tmp_path / "comparison.html"
    runs = [run_result(rate=1000, run_id="r1"), run_result(rate=2000, run_id="r2", p50_scale=2)]
    write_html(page, runs)
    assert_drawn(render(page, tmp_path, name="report-comparison.png"), plots=4)


def test_a_broken_page_is_caught(tmp_path: Path) -> None:
    """The check itself can fail: a script error shows up as a console message."""
    page = tmp_path / "broken.html"
    write_html(page, [run_result()])
    page.write_text(page.read_text().replace("new uPlot(opts", "new uPlotX(opts"))
    rendered = render(page, tmp_path, name="report-broken.png")
    assert any("uPlotX is not defined" in message for message in rendered.console)
    assert 'data-plots-drawn="0"' in rendered.dom
