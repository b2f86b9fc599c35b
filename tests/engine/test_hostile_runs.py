"""Hostile runs: `kobench run` as a user starts it, on one real redis-server, one second of writes.

A run that measured nothing is not Passed; a result is never lost after the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.engine


def bench(tmp_path: Path, name: str, **spec: Any) -> Path:
    """A one-second benchmark on one redis-server (``spec`` overrides parts of it)."""
    document = {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"keyMode": "unique", "rate": 100, "durationSeconds": 1},
            "observers": [{"name": "sync", "mode": "sync"}],
            "timeouts": {"drainSeconds": 1},
            **spec,
        },
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def kobench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kobench", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


def test_the_only_observer_killed_is_not_a_pass(tmp_path: Path) -> None:
    # Before: `sync x0 (killed) 0/0`, Passed, exit status 0.
    faults = [{"atSeconds": 0.5, "action": "killObserver", "observer": "sync"}]
    result = kobench("run", "-q", str(bench(tmp_path, "kill-observer", faults=faults)))
    no_traceback(result)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("Failed kill-observer"), result.stdout
    flat = " ".join(result.stdout.split())
    assert "observer sync measured nothing: every instance was killed (sync.0 by fault 0" in flat


def test_the_only_writer_killed_at_zero_is_not_a_pass(tmp_path: Path) -> None:
    # Before: `writers: 0 of 1 ... sent 0, achieved 0/s`, Passed, exit status 0.
    faults = [{"atSeconds": 0, "action": "killWriter", "writer": 0}]
    result = kobench("run", "-q", str(bench(tmp_path, "kill-writer", faults=faults)))
    no_traceback(result)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("Failed kill-writer"), result.stdout
    flat = " ".join(result.stdout.split())
    assert (
        "the writers sent no measured writes (writer 0 was killed by fault 0 (killWriter)" in flat
    )
