"""``kobench run`` of a matrix on real servers: every cell on its own engine, round-robin, one
comparison document with the cells and the pair that differs on the engine axis."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def test_a_matrix_runs_every_cell_on_its_engine_and_compares_them(
    tmp_path: Path, benchmark_file: Callable[..., Path]
) -> None:
    path = benchmark_file(
        "pair",
        engine={"type": "redis", "replicas": 1},
        workload={"rate": 200, "durationSeconds": 0.5, "warmupSeconds": 0.2},
        observers=[{"name": "obs", "mode": "sync"}],
        timeouts={"drainSeconds": 2},
        matrix={"repetitions": 2, "engines": [{"type": "redis"}, {"type": "valkey"}]},
    )
    output = tmp_path / "matrix.json"
    done = subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(path), "-q", "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "engine: engine=valkey against engine=redis" in done.stdout
    document = json.loads(output.read_text())
    assert document["kind"] == "MatrixComparison"
    assert document["order"] == ["engine=redis", "engine=valkey"] * 2
    for cell, server in zip(document["cells"], ["redis", "valkey"], strict=True):
        assert len(cell["runs"]) == 2
        for result in cell["runs"]:
            assert result["engine"]["version"].startswith(server), result["engine"]
            assert result["observers"][0]["received"] > 0
        assert cell["summary"]["obs"]["p50Ms"]["n"] == 2
    (pair,) = document["pairs"]
    assert (pair["axis"], pair["a"], pair["b"]) == ("engine", "engine=redis", "engine=valkey")
    verdicts = {f["verdict"] for f in pair["comparison"]["figures"]}
    assert verdicts == {"Inconclusive"}  # 2 repetitions: too few to tell
    # the document is shown again by kobench compare
    shown = subprocess.run(
        [sys.executable, "-m", "kobench", "compare", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0 and "fewer than 4" in shown.stdout
