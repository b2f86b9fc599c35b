"""Roles run apart, each told its own address for one redis-server (a Toxiproxy proxy, say):
the writer here, each observer as the process a runner starts; their documents merged as a
run's. What the calibration and delivery truth tests need to put a known fault on one role's
path only."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import redis
from testkit.support import free_port, wait_for

from kobench.api import BenchmarkSpec
from kobench.measure.results import (
    Convergence,
    EngineFacts,
    ObserverResult,
    RunResult,
    merge_run,
)
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import PASSWORD_ENV, RESULT_MARKER, Endpoint, RoleConfig
from kobench.roles.writer import Writer
from kobench.run.local.processes import Child, ProcessGroup

PASSWORD = "delivery-truth"
RUN_ID = "delivery-truth"


def start_server(group: ProcessGroup, spec: BenchmarkSpec, *extra: str) -> int:
    """A redis-server with the engine's arguments (and ``extra``), once it answers."""
    port = free_port()
    conf = group.directory / "auth.conf"
    conf.write_text(f"requirepass {PASSWORD}\n")
    args = get_engine("redis").server_args(
        0, [Endpoint(host="127.0.0.1", port=port)], spec=spec.engine, password=None
    )
    command = ["redis-server", str(conf), *args, "--bind", "127.0.0.1", *extra]
    group.start("redis", [*command, "--dir", str(group.directory)])
    client = redis.Redis(port=port, password=PASSWORD, socket_connect_timeout=1)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    wait_for("redis-server to answer", answers, timeout=10, every=0.05)
    return port


def config(spec: BenchmarkSpec, port: int) -> RoleConfig:
    return RoleConfig(run_id=RUN_ID, spec=spec, endpoints=[Endpoint(host="127.0.0.1", port=port)])


def start_observer(group: ProcessGroup, name: str, role_config: RoleConfig) -> tuple[Child, Path]:
    path = group.directory / f"{name}.json"
    path.write_text(role_config.to_json(), encoding="utf-8")
    ready = group.directory / f"{name}.ready"
    command = [sys.executable, "-m", "kobench", "role", "observer", "--config", str(path)]
    child = group.start(
        f"{name}.0",
        [*command, "--observer", name, "--ready-file", str(ready)],
        env={PASSWORD_ENV: PASSWORD},
    )
    return child, ready


def observer_document(child: Child) -> ObserverResult:
    wait_for("the observer to end", lambda: child.exit_code is not None, timeout=60, every=0.1)
    lines = [line for line in child.read_output().splitlines() if line.startswith(RESULT_MARKER)]
    assert lines, child.read_output()
    return ObserverResult.model_validate(json.loads(lines[-1][len(RESULT_MARKER) :]))


def run_apart(
    group: ProcessGroup,
    spec: BenchmarkSpec,
    writer_port: int,
    observer_ports: Mapping[str, int],
    *,
    meanwhile: Callable[[Writer], None] | None = None,
) -> RunResult:
    """The writer on ``writer_port``, each observer (by name) on its own port; merged.
    ``meanwhile``: run beside the writer (in a thread), handed the writer (a fault, timed by
    its ``measured_start_ns``)."""
    started_ns = time.time_ns()
    observers = {
        name: start_observer(group, name, config(spec, port))
        for name, port in observer_ports.items()
    }
    for name, (_, ready) in observers.items():
        wait_for(f"{name}'s subscription", ready.exists, timeout=30, every=0.05)
    role = Writer(config(spec, writer_port), 0, PASSWORD)
    beside = threading.Thread(target=meanwhile, args=(role,), daemon=True) if meanwhile else None
    if beside is not None:
        beside.start()
    writer = role.run()
    if beside is not None:
        beside.join(timeout=30)
    documents = [observer_document(child) for child, _ in observers.values()]
    return merge_run(
        benchmark=RUN_ID,
        run_id=RUN_ID,
        spec=spec,
        writers=[writer],
        observers=documents,
        engine=writer.engine or EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=False, converged=False),
        started_ns=started_ns,
        finished_ns=time.time_ns(),
    )
