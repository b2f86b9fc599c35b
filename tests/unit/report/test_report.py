"""The HTML report's figures, checked against documents with known values."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tests.unit.report import documents
from tests.unit.report.documents import OUTAGE, SLOW, SLOW_SECOND, histogram, run_result

from kobench.errors import KobenchError
from kobench.present.pages import load_result, render_html
from kobench.present.pages.page_data import (
    distribution_plot,
    heat_map,
    outage_bands,
    percentile_distribution,
    plots,
    series_origin_ns,
    sweep_plot,
    tail_x,
    worst_second,
)


def value_at(xs: list[float], ys: list[float], percentile: float) -> float:
    """The plotted latency at a percentile (the first point at or beyond it)."""
    x = tail_x(percentile)
    return next(y for px, y in zip(xs, ys, strict=True) if px >= x * 0.999)


def test_distribution_recovers_the_percentiles_of_known_values() -> None:
    # 1, 2, ... 1000 us: the value at percentile p is the ceil(10 p)-th, i.e. ceil(10 p) us.
    xs, ys = percentile_distribution(histogram([float(v) for v in range(1, 1001)]))
    assert xs == sorted(xs) and len(set(xs)) == len(xs) and len(xs) > 30
    for x, y in zip(xs[:-1], ys[:-1], strict=True):
        percentile = 100.0 * (1.0 - 1.0 / x)
        truth_us = max(1, math.ceil(round(10.0 * percentile, 6)))
        assert y == pytest.approx(truth_us / 1000.0, abs=0.0011), (percentile, y)
    assert ys[-1] == pytest.approx(1.0, abs=0.001)  # the maximum ends the line
    assert xs[-1] == 1000.0  # 1,000 events say nothing beyond the 1-in-1,000 one


def test_distribution_shows_a_tail_that_the_median_hides() -> None:
    xs, ys = percentile_distribution(histogram(SLOW))
    assert value_at(xs, ys, 50) == pytest.approx(0.3, abs=0.001)
    assert value_at(xs, ys, 98.9) == pytest.approx(0.3, abs=0.001)
    assert value_at(xs, ys, 99.5) == pytest.approx(50.0, rel=0.001)
    assert percentile_distribution("") == ([], [])


def test_percentile_axis() -> None:
    assert tail_x(0) == 1.0
    assert tail_x(90) == pytest.approx(10.0)
    assert tail_x(99.9) == pytest.approx(1000.0)
    assert tail_x(100) == float("inf")


def test_plots_of_one_run() -> None:
    found = {p.id: p for p in plots([run_result()])}
    assert set(found) == {"distribution", "time", "counts"}  # one rate: no sweep
    labels = [line.label for line in found["distribution"].lines]
    assert labels == ["fast (sync)", "slow (async)"]
    time = found["time"]
    slow_p99 = next(line for line in time.lines if line.label == "slow (async) p99")
    assert slow_p99.dash and slow_p99.y[SLOW_SECOND] == 40.0
    assert slow_p99.x == [float(t) for t in range(documents.SECONDS)]
    [band] = time.bands
    assert (band.start, band.end) == pytest.approx(OUTAGE)
    assert band.label == "slow: Connection reset by peer"
    sent = next(line for line in found["counts"].lines if line.label == "writes sent")
    assert sent.y == [100.0] * documents.SECONDS and sent.group == -1 and not sent.right
    missed = next(line for line in found["counts"].lines if line.label == "slow (async) missed")
    assert missed.right and missed.y[SLOW_SECOND] == 3.0
    # One colour per observer in every chart.
    slow_lines = [line for p in found.values() for line in p.lines if "slow" in line.label]
    assert {line.group for line in slow_lines} == {1}


def test_the_latency_axis_turns_logarithmic_when_lines_differ_by_orders() -> None:
    result = run_result()
    assert distribution_plot([result]).log_y  # 0.1 ms against 50 ms
    fast_only = result.model_copy(update={"observers": result.observers[:1]})
    assert not distribution_plot([fast_only]).log_y  # 0.1 to 0.9 ms: linear reads best


def test_an_outage_that_never_ended_lasts_to_the_end_of_the_run() -> None:
    result = run_result()
    outage = result.observers[1].outages[0].model_copy(update={"ended_ns": 0})
    slow = result.observers[1].model_copy(update={"outages": [outage]})
    result = result.model_copy(update={"observers": [result.observers[0], slow]})
    [band] = outage_bands(result, result.started_ns)
    assert (band.start, band.end) == pytest.approx((OUTAGE[0], float(documents.SECONDS)))


def test_outages_are_placed_on_the_writers_schedule_not_the_run_start() -> None:
    result = run_result()
    # Second 0 of the series began 3.5 s after the run started (engine start-up and warm-up).
    origin = result.started_ns + 3_500_000_000
    outage = (
        result.observers[1]
        .outages[0]
        .model_copy(
            update={"started_ns": origin + 2_000_000_000, "ended_ns": origin + 4_000_000_000}
        )
    )
    slow = result.observers[1].model_copy(update={"outages": [outage]})
    writers = result.writers.model_copy(update={"measured_start_ns": origin})
    result = result.model_copy(
        update={"observers": [result.observers[0], slow], "writers": writers}
    )
    assert series_origin_ns(result) == origin
    [band] = outage_bands(result, series_origin_ns(result))
    assert (band.start, band.end) == pytest.approx((2.0, 4.0))


def test_worst_second_is_the_slow_one() -> None:
    worst = worst_second(run_result().observers[1])
    assert worst is not None
    assert (worst.t, worst.p99_ms, worst.missed) == (SLOW_SECOND, 40.0, 3)
    empty = run_result().observers[0].model_copy(update={"series": []})
    assert worst_second(empty) is None


def test_heat_map_shades_the_slowest_pair_darkest() -> None:
    matrix = heat_map(run_result())
    assert matrix is not None
    assert matrix.written == [0, 1] and matrix.observed == [0, 1]
    cells = [cell for row in matrix.rows for cell in row if cell is not None]
    darkest = max(cells, key=lambda c: c.shade)
    lightest = min(cells, key=lambda c: c.shade)
    assert (darkest.written, darkest.observed, darkest.shade) == (0, 1, 1.0)
    assert (lightest.written, lightest.observed, lightest.shade) == (0, 0, 0.0)


def test_a_rate_sweep_draws_latency_against_throughput() -> None:
    runs = [
        run_result(rate=2000, run_id="r2", p50_scale=3.0),
        run_result(rate=1000, run_id="r1", p50_scale=1.0),
    ]
    sweep = sweep_plot(runs)
    assert sweep is not None
    fast_p50 = next(line for line in sweep.lines if line.label == "fast (sync) p50")
    assert fast_p50.x == [1000.0, 2000.0]  # sorted by throughput
    assert fast_p50.y == pytest.approx([0.1, 0.3], abs=0.001)
    assert sweep_plot([run_result(), run_result(run_id="again")]) is None
    overlaid = {p.id: p for p in plots(runs)}["distribution"]
    assert len(overlaid.lines) == 4 and overlaid.lines[0].label == "known/r2: fast (sync)"


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self.scripts: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.remote.append(value)
        if tag == "script":
            self._in = dict(attrs).get("id") or f"script{len(self.scripts)}"

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self.scripts[self._in] = self.scripts.get(self._in, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in = None


def test_the_page_is_self_contained_and_carries_its_figures() -> None:
    page = render_html([run_result()], [{"engine": {"type": "redis"}}])
    parsed = Collector()
    parsed.feed(page)
    assert parsed.remote == []  # no src= or href=: nothing to fetch
    assert not re.search(r"url\(|@import|@font-face", page)
    data = json.loads(parsed.scripts["kobench-data"])
    assert [p["id"] for p in data] == ["distribution", "time", "counts"]
    assert 'data-plots-expected="3"' in page
    assert "observer slow missed 3 of 1003 events" in page
    assert "redis 7.0.15" in page and "redis-py 8.1.0" in page
    assert "Connection reset by peer" in page and "6 s: p99 40.000, 3 missed" in page
    assert "type: redis" in page  # the spec
    assert len(parsed.scripts) == 3  # data, uPlot, the drawing script


def test_a_saturated_observer_is_named_on_the_page() -> None:
    result = run_result()
    slow = result.observers[1].model_copy(update={"saturation": "end-of-run backlog 2400 ms"})
    page = render_html([result.model_copy(update={"observers": [result.observers[0], slow]})])
    assert "slow could not keep up: end-of-run backlog 2400 ms" in page
    assert "could not keep up" not in render_html([run_result()])


def test_text_from_the_document_is_escaped() -> None:
    result = run_result().model_copy(update={"reasons": ["<script>alert(1)</script>"]})
    page = render_html([result])
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_loading_a_result_file(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(run_result().model_dump_json(by_alias=True))
    assert load_result(path) == run_result()
    with pytest.raises(KobenchError, match="cannot read the result document"):
        load_result(tmp_path / "missing.json")
    path.write_text("{not json")
    with pytest.raises(KobenchError, match="not JSON"):
        load_result(path)
    path.write_text(json.dumps({"benchmark": "b", "runId": 3}))
    with pytest.raises(KobenchError, match=r"not a kobench result document: runId: "):
        load_result(path)
