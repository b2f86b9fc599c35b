"""``kobench run`` ends cleanly whatever ends it: SIGHUP, SIGQUIT and SIGTERM clean up like
Ctrl-C, a second Ctrl-C still waits for the children, the temporary directory goes away, and an
engine that cannot start says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from testkit.processes import descendants

BENCH = {
    "apiVersion": "kobench.io/v1alpha1",
    "kind": "KeyDBObserverBenchmark",
    "metadata": {"name": "signals"},
    "spec": {
        "engine": {"type": "redis", "replicas": 2},
        "workload": {"rate": 100, "durationSeconds": 30, "warmupSeconds": 0},
    },
}


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


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


@pytest.mark.engine
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


@pytest.mark.engine
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


@pytest.mark.engine
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
    assert "engine replica 0 (/bin/false) ended before it was ready: exit code 1" in result.stderr
    assert result.stderr.rstrip().split(": ")[-1] != ""
