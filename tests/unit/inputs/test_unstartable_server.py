"""``kobench run`` with an engine server that cannot start says why and exits 1 (no server is
needed to see it: the stand-in exits at once)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

BENCH = {
    "apiVersion": "kobench.io/v1alpha1",
    "kind": "KeyDBObserverBenchmark",
    "metadata": {"name": "signals"},
    "spec": {
        "engine": {"type": "redis", "replicas": 2},
        "workload": {"rate": 100, "durationSeconds": 30, "warmupSeconds": 0},
    },
}


def test_a_server_that_cannot_start_gives_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(BENCH))
    result = subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(path), "-q", "--server-binary", "/bin/false"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "engine replica 0: /bin/false exited with code 1 (no output)" in result.stderr
    assert result.stderr.rstrip().split(": ")[-1] != ""
