"""Hostile runs: `kobench run` as a user starts it, on one real redis-server, one second of writes.

A run that measured nothing is not Passed; a result is never lost after the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.processes import alive, command_line, default_interrupts, descendants

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


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kobench", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=default_interrupts,  # the tests signal it, also from a background job
    )


def wait_for_child(process: subprocess.Popen[str], pattern: str, timeout: float = 30) -> set[int]:
    """Once a descendant's command line holds ``pattern``: every descendant seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = descendants(process.pid)
        if any(pattern in command_line(p) for p in found):
            return found
        time.sleep(0.02)
    raise AssertionError(f"no {pattern!r} process after {timeout} s")


def test_a_result_that_cannot_be_written_after_the_run_is_not_lost(tmp_path: Path) -> None:
    # The outputs pass their check; once the run started, their directory becomes /dev/full
    # (a disk that fills up, a directory removed). Before: a traceback-free error, no table,
    # and the result gone.
    path = bench(tmp_path, "full-disk")
    out = tmp_path / "out"
    out.mkdir()
    process = start(
        "run", "-q", str(path), "-o", "out/r.json", "--html", "out/r.html", cwd=tmp_path
    )
    wait_for_child(process, "redis-server")
    shutil.rmtree(out)
    out.symlink_to("/dev/full")
    stdout, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 1, stderr
    assert stdout.startswith("Passed full-disk"), stdout  # the table, printed all the same
    assert "kobench: --output out/r.json: Not a directory" in stderr
    assert "kobench: --html out/r.html: Not a directory" in stderr
    saved = re.search(r"the result document is saved in (\S+) instead", stderr)
    assert saved, stderr
    fallback = Path(saved.group(1))
    try:
        document = json.loads(fallback.read_text())
        assert document["benchmark"] == "full-disk" and document["verdict"] == "Passed"
        assert document["runId"] in stdout
    finally:
        fallback.unlink()


def test_a_run_that_writes_its_outputs_says_nothing_more(tmp_path: Path) -> None:
    path = bench(tmp_path, "written")
    result = kobench(
        "run", "-q", str(path), "-o", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html")
    )
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["benchmark"] == "written"
    assert "<html" in (tmp_path / "r.html").read_text()[:200].lower()
    assert "saved in" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_fault_ends_the_run_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    # The engine is paused by the fault schedule when the signal comes.
    faults = [{"atSeconds": 0.2, "action": "pauseReplica", "replica": 0, "durationSeconds": 2}]
    path = bench(
        tmp_path,
        "signal-in-fault",
        workload={"keyMode": "unique", "rate": 100, "durationSeconds": 3},
        faults=faults,
    )
    process = start("run", "-q", str(path), "-o", "r.json", cwd=tmp_path)
    seen = wait_for_child(process, "role faults")
    time.sleep(1.0)  # measured writes under way, the pause applied
    seen |= descendants(process.pid)
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 130, stderr
    assert "interrupted; every process it started was stopped" in stderr
    deadline = time.monotonic() + 10
    while (left := [p for p in seen if alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [command_line(p) for p in left]
    assert not (tmp_path / "r.json").exists()  # no half result written as a whole one


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_a_comparison_is_quiet(tmp_path: Path, sig: signal.Signals) -> None:
    # The comparison waits on a FIFO nobody writes to when the signal comes.
    fifo = tmp_path / "side.json"
    os.mkfifo(fifo)
    process = start("compare", "-a", str(fifo), "-b", str(fifo), cwd=tmp_path)
    time.sleep(3)  # scipy imported, the FIFO being waited on
    process.send_signal(sig)
    _, stderr = process.communicate(timeout=30)
    assert "Traceback" not in stderr, stderr
    assert process.returncode in (130, -signal.SIGTERM), stderr
