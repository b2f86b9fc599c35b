"""Terminal manners and ``kobench report`` on result files (no cluster, no kubeconfig)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.unit.report.documents import SLOW_SECOND, run_result

from kobench.present.cluster_report import is_file_source
from kobench.present.run_table import WIDTH, render_result
from kobench.present.terminal import ProgressLines


def kobench(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    # No kubeconfig anywhere: HOME is empty and KUBECONFIG names a missing file.
    env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(home / "missing-kubeconfig")}
    env.pop("KUBERNETES_SERVICE_HOST", None)
    return subprocess.run(
        [sys.executable, "-m", "kobench", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_the_table_fits_100_columns_and_wide_adds_columns() -> None:
    result = run_result()
    narrow = render_result(result)
    assert max(len(line) for line in narrow.splitlines()) <= WIDTH
    assert "superseded" not in narrow and "p99.9" in narrow
    wide = render_result(result, wide=True)
    assert "superseded" in wide and "end lag" in wide and "p90" in wide
    assert f"worst second of slow: {SLOW_SECOND} s, p99 40.000 ms, 3 missed" in narrow


def test_numbers_are_never_cut_short() -> None:
    result = run_result()
    slow = result.observers[1]
    assert slow.latency_ms is not None
    latency = slow.latency_ms.model_copy(update={"p50": 3700.735, "p99": 5115.903})
    slow = slow.model_copy(
        update={"name": "a-long-observer-name", "instances": 3, "corrected_latency_ms": latency}
    )
    table = render_result(result.model_copy(update={"observers": [result.observers[0], slow]}))
    assert max(len(line) for line in table.splitlines()) <= WIDTH
    assert "3700.735" in table and "5115.903" in table and "…" not in table


def test_progress_lines_without_a_terminal() -> None:
    now = [0.0]
    out = io.StringIO()
    lines = ProgressLines(out, interval_s=5.0, clock=lambda: now[0])
    lines.update("starting 1 redis server(s)", 0.0)
    now[0] = 1.0
    lines.update("running", 0.1)
    for step in range(2, 12):  # updated every second for ten seconds
        now[0] = float(step)
        lines.update("running", step / 12)
    assert out.getvalue().splitlines() == [
        "kobench: starting 1 redis server(s) 0% (0 s)",
        "kobench: running 10% (1 s)",
        "kobench: running 50% (6 s)",
        "kobench: running 92% (11 s)",
    ]


def test_sources_are_files_or_names(tmp_path: Path) -> None:
    assert is_file_source("report.json") and is_file_source("out/run")
    assert not is_file_source("quickstart")
    (tmp_path / "plain").write_text("{}")
    assert is_file_source(str(tmp_path / "plain"))


def test_report_reads_a_result_file_without_a_cluster(tmp_path: Path) -> None:
    first = tmp_path / "r1.json"
    first.write_text(run_result().model_dump_json(by_alias=True))
    html = tmp_path / "out.html"
    done = kobench("report", str(first), "--html", str(html), home=tmp_path)
    assert done.returncode == 1, done.stderr  # the document's verdict is Failed
    assert "Failed known (run r1)" in done.stdout and "Traceback" not in done.stderr
    assert html.read_text().startswith("<!DOCTYPE html>")
    wide = kobench("report", str(first), "--wide", home=tmp_path)
    assert "superseded" in wide.stdout and "superseded" not in done.stdout
    as_json = kobench("report", str(first), "--json", home=tmp_path)
    assert json.loads(as_json.stdout)["runId"] == "r1"


def test_report_compares_several_files(tmp_path: Path) -> None:
    paths = []
    for rate in (1000, 2000):
        path = tmp_path / f"rate-{rate}.json"
        path.write_text(run_result(rate=rate, run_id=f"r{rate}").model_dump_json(by_alias=True))
        paths.append(str(path))
    html = tmp_path / "cmp.html"
    done = kobench("report", *paths, "--html", str(html), home=tmp_path)
    assert done.returncode == 1, done.stderr
    page = html.read_text()
    assert "Comparison of 2 runs" in page and 'id="plot-sweep"' in page


def test_report_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    # Neither is the 1 of a Failed run: 2 for an unreadable input, 5 for an unreadable cluster.
    missing = kobench("report", str(tmp_path / "nope.json"), home=tmp_path)
    assert missing.returncode == 2
    assert "nope.json: no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    other = tmp_path / "other.json"
    other.write_text('{"kind": "Something"}')
    not_a_result = kobench("report", str(other), home=tmp_path)
    assert not_a_result.returncode == 2
    assert "other.json: not a kobench result document" in not_a_result.stderr
    no_cluster = kobench("report", "quickstart", home=tmp_path)
    assert no_cluster.returncode == 5
    assert "cannot read benchmark 'quickstart' from a cluster" in no_cluster.stderr
    assert "Traceback" not in no_cluster.stderr


def test_report_exits_by_the_verdict(tmp_path: Path) -> None:
    for verdict, status in (("Passed", 0), ("Failed", 1), ("Invalid", 3)):
        path = tmp_path / f"{verdict}.json"
        result = run_result().model_copy(update={"verdict": verdict})
        path.write_text(result.model_dump_json(by_alias=True))
        assert kobench("report", str(path), home=tmp_path).returncode == status, verdict
