"""The engine tier: every test under ``tests/engine/`` is marked ``engine``; its fixtures make
benchmark files and start ``kobench run`` as a user does (:mod:`tests.engine.running_cli`)."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.processes import alive
from tests.engine.running_cli import RunningBenchmark

from kobench.api import Benchmark, parse_benchmark


def pytest_itemcollected(item: pytest.Item) -> None:
    item.add_marker(pytest.mark.engine)


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
