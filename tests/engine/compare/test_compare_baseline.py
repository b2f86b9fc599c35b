"""spec.baseline on a real run: held to its own earlier result it passes; held to a baseline
whose p99 was far lower, it fails with the regression's numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

SPEC = {
    "engine": {"type": "redis", "replicas": 1},
    "workload": {"rate": 200, "durationSeconds": 1, "warmupSeconds": 0.2},
    "observers": [{"name": "obs", "mode": "sync"}],
    "timeouts": {"drainSeconds": 2},
}


def kobench_run(path: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(path), "-q", "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_run_fails_on_a_regression_against_its_baseline(
    tmp_path: Path, benchmark_file: Callable[..., Path]
) -> None:
    first = kobench_run(benchmark_file("first", **SPEC), tmp_path / "first.json")
    assert first.returncode == 0, first.stdout + first.stderr
    # a baseline whose p99 was 100 x lower than the first run's: no run here can meet it
    document = json.loads((tmp_path / "first.json").read_text())
    for observer in document["observers"]:
        for key in ("latencyMs", "correctedLatencyMs"):
            if observer.get(key):
                observer[key]["p99"] = observer[key]["p99"] / 100
    (tmp_path / "fast.json").write_text(json.dumps(document))
    rule = {"p99Ratio": 1.3, "p99PlusMs": 0.0}

    held = benchmark_file("held", **SPEC, baseline={"resultFile": "fast.json", **rule})
    done = kobench_run(held, tmp_path / "held.json")
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads((tmp_path / "held.json").read_text())
    assert result["verdict"] == "Failed"
    (reason,) = [r for r in result["reasons"] if "regressed" in r]
    assert reason.startswith("observer obs p99 ")
    assert "beyond the baseline's" in reason and "allowed 1.3 x" in reason

    generous = {"p99Ratio": 1000.0, "p99PlusMs": 1000.0}
    kind = benchmark_file("kind", **SPEC, baseline={"resultFile": "first.json", **generous})
    done = kobench_run(kind, tmp_path / "kind.json")
    assert done.returncode == 0, done.stdout + done.stderr
