"""``kobench run`` ends cleanly whatever ends it: SIGHUP, SIGQUIT and SIGTERM clean up like
Ctrl-C, a second Ctrl-C still waits for the children, and the temporary directory goes away.
(An engine that cannot start is ``tests/unit/inputs/test_unstartable_server.py``.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from testkit.processes import alive, default_interrupts, descendants

BENCH = {
    "apiVersion": "kobench.io/v1alpha1",
    "kind": "KeyDBObserverBenchmark",
    "metadata": {"name": "signals"},
    "spec": {
        "engine": {"type": "redis", "replicas": 2},
        "workload": {"rate": 100, "durationSeconds": 30, "warmupSeconds": 0},
    },
}


def still_alive(seen: set[int], *, within: float = 5.0) -> list[int]:
    """Processes still running after ``within`` seconds: a redis-server's fork for a replica's
    sync (a grandchild) may take a moment to end after its parent stopped."""
    deadline = time.monotonic() + within
    while (left := [p for p in seen if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def start(tmp_path: Path) -> tuple[subprocess.Popen[bytes], set[int]]:
    """A run started and seen running: two servers and the roles."""
    path = tmp_path / "bench.yaml"
    path.write_text(yaml.safe_dump(BENCH))
    (tmp_path / "tmp").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "kobench", "run", str(path), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path / "tmp")},
        preexec_fn=default_interrupts,  # the signals below must reach it from a background job
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen |= descendants(process.pid)
        lines = [Path(f"/proc/{p}/cmdline").read_bytes() for p in seen if alive(p)]
        if sum(b"writer" in line for line in lines) >= 1:
            return process, seen
        assert process.poll() is None, process.communicate()
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the run never reached its writer")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGQUIT, signal.SIGTERM], ids=str)
def test_a_terminating_signal_cleans_up_like_ctrl_c(tmp_path: Path, sig: signal.Signals) -> None:
    process, seen = start(tmp_path)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"every process it started was stopped" in stderr
    assert b"Traceback" not in stderr
    assert still_alive(seen) == []
    assert list((tmp_path / "tmp").iterdir()) == [], "the temporary directory is removed"


def test_a_second_ctrl_c_still_waits_for_every_child(tmp_path: Path) -> None:
    process, seen = start(tmp_path)
    process.send_signal(signal.SIGINT)
    time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert b"Traceback" not in stderr
    assert still_alive(seen) == [], "every child is gone when the message says so"
    assert list((tmp_path / "tmp").iterdir()) == []
