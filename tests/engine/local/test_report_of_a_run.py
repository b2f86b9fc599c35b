"""``kobench run --html --json`` on real servers: the page draws in Chromium and shows what the
result document says; without a terminal the run prints progress lines."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from testkit.chromium import assert_drawn, render

from kobench.measure.results import RunResult
from kobench.present.pages.page_data import percentile_distribution, plots, tail_x


def test_a_local_run_writes_its_report_page(
    benchmark_file: Callable[..., Path], tmp_path: Path
) -> None:
    path = benchmark_file(
        "report",
        engine={"type": "redis", "replicas": 2},
        workload={"rate": 200, "durationSeconds": 4, "warmupSeconds": 0.5},
        observers=[
            {"name": "sync", "mode": "sync", "targetReplica": 1},
            {"name": "async", "mode": "async"},
        ],
    )
    html = tmp_path / "run.html"
    done = subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(path), "--html", str(html), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = RunResult.model_validate(json.loads(done.stdout))  # stdout is the document alone
    assert "writer(s) running" in done.stderr  # progress lines, since stderr is no terminal
    # Second 0 of the series is the writer's schedule, after the engine start and the warm-up.
    assert result.started_ns < result.writers.measured_start_ns < result.finished_ns
    assert f"kobench: report written to {html}" in done.stderr

    page = html.read_text()
    assert "type: redis" in page and f"run {result.run_id}" in page
    expected = plots([result])
    rendered = render(html, tmp_path, name="report-local-run.png")
    assert_drawn(rendered, plots=len(expected))
    # The plotted distribution is the document's: its median is the reported p50.
    for observer in result.observers:
        assert observer.latency_ms is not None
        xs, ys = percentile_distribution(observer.latency_histogram)
        at_median = next(y for x, y in zip(xs, ys, strict=True) if x >= tail_x(50.0))
        assert observer.latency_ms.p50 * 0.999 <= at_median <= observer.latency_ms.p90 * 1.001
        assert max(ys) == pytest.approx(observer.latency_ms.max, rel=0.002)
