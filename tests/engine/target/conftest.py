"""Fixtures of the target tests: deployments of the user's own, started by the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.engine.running_cli import RunningBenchmark
from tests.engine.target.tls_servers import (
    MINIMAL_ACL,
    PASSWORD_ENV,
    Deployment,
    Start,
    start_deployment,
    stop_deployment,
    workload,
)


@pytest.fixture
def deploy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Deployment]]:
    """Starts a deployment; the first one's ACL password is where spec.target.auth reads it."""
    started: list[Deployment] = []

    def start(binary: str, *, acl: str = MINIMAL_ACL, name: str = "d") -> Deployment:
        directory = tmp_path / name
        directory.mkdir()
        deployment = start_deployment(binary, directory, acl=acl)
        if not started:
            monkeypatch.setenv(PASSWORD_ENV, deployment.password)
        started.append(deployment)
        return deployment

    yield start
    for deployment in started:
        stop_deployment(deployment)


@pytest.fixture
def start(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> Start:
    def run(
        name: str, target: dict[str, Any], mode: str = "unique", seconds: float = 1.5, **spec: Any
    ) -> RunningBenchmark:
        path = benchmark_file(name, target=target, workload=workload(mode, seconds), **spec)
        return run_cli(path)

    return run
