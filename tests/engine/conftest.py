"""Engine-tier helpers: benchmark files and the processes a ``kobench run`` started."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kobench.api import Benchmark, parse_benchmark


@pytest.fixture(autouse=True, scope="session")
def _servers_installed() -> None:
    """Fail loudly, not skip: CI installs these (see .ci/run)."""
    missing = [b for b in ("redis-server", "valkey-server") if shutil.which(b) is None]
    if missing:
        pytest.fail(
            f"engine tests need {', '.join(missing)} on PATH (apt-get install redis-server; "
            "valkey-server from bookworm-backports)",
            pytrace=False,
        )


def resource(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": spec,
    }


@pytest.fixture
def benchmark() -> Callable[..., Benchmark]:
    def make(name: str = "t", **spec: Any) -> Benchmark:
        return parse_benchmark(resource(name, spec))

    return make


@pytest.fixture
def benchmark_file(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "t", **spec: Any) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(resource(name, spec)))
        return path

    return make


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux)."""
    pids: list[int] = []
    task_dir = Path(f"/proc/{pid}/task")
    if not task_dir.exists():
        return pids
    for task in task_dir.iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


class RunningBenchmark:
    """``kobench run`` as a user starts it, with a view of the processes it started."""

    def __init__(self, path: Path, output: Path) -> None:
        self.output = output
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kobench", "run", str(path), "-q", "-o", str(output)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.seen: set[int] = set()

    def wait_for_children(self, pattern: str, count: int, timeout: float = 30.0) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [p for p in children(self.process.pid) if pattern in command_line(p)]
            self.seen.update(children(self.process.pid))
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {count} {pattern!r} children after {timeout}s")

    def finish(self, timeout: float = 90.0) -> tuple[int, str]:
        out, _ = self.process.communicate(timeout=timeout)
        return self.process.returncode, out

    def interrupt(self) -> None:
        self.process.send_signal(signal.SIGINT)

    def leftovers(self) -> list[str]:
        return [command_line(p) for p in self.seen if alive(p)]


@pytest.fixture
def run_cli(tmp_path: Path) -> Iterator[Callable[[Path], RunningBenchmark]]:
    started: list[RunningBenchmark] = []

    def start(path: Path) -> RunningBenchmark:
        running = RunningBenchmark(path, tmp_path / "report.json")
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
        for pid in running.seen:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
