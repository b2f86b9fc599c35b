"""``kobench run``: the engine servers, observers and writers as processes on this machine.

Stages, each a small function: start the engine, wait for replication, start the observers and
wait until each has confirmed its subscription (the start barrier), run the writers, collect
the role documents and merge them. Every process started is stopped on the way out, also on
Ctrl-C, SIGTERM or an error.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kobench.api import Benchmark
from kobench.errors import EngineError, SpecErrors
from kobench.measure.results import EngineFacts, RunResult
from kobench.plugins.checks import plugin_errors
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.inspect import inspect_engine, replication_ready
from kobench.roles.role_config import PASSWORD_ENV, Endpoint, RoleConfig
from kobench.run.collection import merge_outputs, stragglers_due
from kobench.run.local.local_faults import LocalFaults, start_fault_schedule
from kobench.run.local.local_ids import local_run_id
from kobench.run.local.local_outputs import describe_failure, outputs_of
from kobench.run.local.processes import Child, ProcessGroup, free_ports, sigterm_as_interrupt
from kobench.run.local.server_binary import find_server

POLL_SECONDS = 0.1
Progress = Callable[[str, float], None]
"""Called with a stage description and the fraction of the run done (0..1)."""
PeerLinks = Callable[[list[Endpoint]], list[Endpoint]]
"""Given the replicas' endpoints, the addresses their peers use to reach each of them."""


def _no_progress(stage: str, fraction: float) -> None:
    del stage, fraction


@dataclass
class LocalRun:
    benchmark: Benchmark
    server_binary: str | None = None
    progress: Progress = _no_progress
    role_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Extra environment per role label ("sync.0", "writer.0"): how a test runs one role under
    libfaketime, or on a pretend node (``KOBENCH_NODE_NAME``)."""
    peer_links: PeerLinks | None = None
    """Where replicas reach their peers (default: directly): how a test puts a Toxiproxy on a
    replication link."""

    def __post_init__(self) -> None:
        self.spec = self.benchmark.spec
        errors = plugin_errors(self.spec)
        if errors:
            raise SpecErrors(errors)
        self.engine = get_engine(self.spec.engine.type)
        self.binary = find_server(self.engine, self.server_binary)
        self.run_id = local_run_id(
            self.benchmark.metadata.name, self.spec.run_nonce, random_suffix=secrets.token_hex(3)
        )
        self.password = secrets.token_hex(16)
        self.stopped: set[str] = set()
        """Observers asked to stop after the writers ended."""
        self.run_failures: list[str] = []
        """Reasons found while running: a server that died, the run timeout."""
        self.faults: LocalFaults | None = None
        self.server_commands: list[list[str]] = []

    def execute(self) -> RunResult:
        started_ns = time.time_ns()
        with sigterm_as_interrupt():
            directory = Path(tempfile.mkdtemp(prefix="kobench-"))
            group = ProcessGroup(directory)
            try:
                endpoints, servers = self._start_engine(group, directory)
                config = RoleConfig(run_id=self.run_id, spec=self.spec, endpoints=endpoints)
                config_path = directory / "run.json"
                config_path.write_text(config.to_json(), encoding="utf-8")
                observers = self._start_observers(group, directory, config_path, servers)
                if self.spec.faults:
                    self.faults = start_fault_schedule(
                        self.spec,
                        group,
                        self._role_command(config_path, "faults"),
                        {PASSWORD_ENV: self.password},
                        servers,
                        self.server_commands,
                        directory,
                    )
                writers = self._run_writers(group, config_path, servers, observers)
                return self._collect(endpoints, observers, writers, started_ns)
            finally:
                group.close()  # every child stopped and the directory removed, whatever comes

    def _start_engine(
        self, group: ProcessGroup, directory: Path
    ) -> tuple[list[Endpoint], list[Child]]:
        spec = self.spec.engine
        self.progress(f"starting {spec.replicas} {self.engine.name} server(s)", 0.0)
        endpoints = [Endpoint(host="127.0.0.1", port=port) for port in free_ports(spec.replicas)]
        links = self.peer_links(list(endpoints)) if self.peer_links else endpoints
        servers = []
        for index in range(spec.replicas):
            data = directory / f"replica-{index}"
            data.mkdir()
            # The password goes into a private config file, not onto the command line.
            conf = data / "auth.conf"
            conf.write_text(f"requirepass {self.password}\nmasterauth {self.password}\n")
            conf.chmod(0o600)
            peers = [endpoints[i] if i == index else link for i, link in enumerate(links)]
            args = self.engine.server_args(index, peers, spec=spec, password=None)
            command = [self.binary, str(conf), *args, "--bind", "127.0.0.1", "--dir", str(data)]
            self.server_commands.append(command)
            servers.append(group.start(f"replica-{index}", command))
        self._await_engine(endpoints, servers)
        return endpoints, servers

    def _await_engine(self, endpoints: list[Endpoint], servers: list[Child]) -> None:
        deadline = time.monotonic() + self.spec.timeouts.engine_ready_seconds
        facts: EngineFacts | None = None
        while time.monotonic() < deadline:
            for index, server in enumerate(servers):
                if server.exit_code is not None:
                    raise EngineError(
                        f"engine replica {index} ({self.binary}) ended before it was ready: "
                        + describe_failure(server)
                    )
            facts = inspect_engine(self.engine, endpoints, self.password)
            if replication_ready(facts):
                return
            time.sleep(POLL_SECONDS)
        details = "; ".join(
            f"replica {s.index}: {s.detail}" for s in (facts.replication if facts else [])
        )
        raise EngineError(
            f"replication not up after {self.spec.timeouts.engine_ready_seconds}s "
            f"(timeouts.engineReadySeconds): {details}"
        )

    def _role_command(self, config_path: Path, *args: str) -> list[str]:
        return [sys.executable, "-m", "kobench", "role", *args, "--config", str(config_path)]

    def _start_observers(
        self, group: ProcessGroup, directory: Path, config_path: Path, servers: list[Child]
    ) -> list[Child]:
        env = {PASSWORD_ENV: self.password}
        ready_files: dict[str, Path] = {}
        observers = []
        for observer in self.spec.observers:
            for instance in range(observer.replicas):
                label = f"{observer.name}.{instance}"
                ready = directory / "ready" / label
                ready_files[label] = ready
                command = self._role_command(
                    config_path,
                    "observer",
                    "--observer",
                    observer.name,
                    "--instance",
                    str(instance),
                    "--ready-file",
                    str(ready),
                )
                observers.append(
                    group.start(label, command, env={**env, **self.role_env.get(label, {})})
                )
        self.progress(f"waiting for {len(observers)} observer(s) to subscribe", 0.0)
        deadline = time.monotonic() + self.spec.timeouts.subscribe_seconds
        while not all(path.exists() for path in ready_files.values()):
            for child in observers:
                if child.exit_code is not None and not ready_files[child.label].exists():
                    raise EngineError(
                        f"observer {child.label} ended before subscribing: "
                        + describe_failure(child)
                    )
            self._check_servers(servers)
            if time.monotonic() > deadline:
                missing = [label for label, path in ready_files.items() if not path.exists()]
                raise EngineError(
                    f"observers {', '.join(missing)} did not subscribe within "
                    f"{self.spec.timeouts.subscribe_seconds}s (timeouts.subscribeSeconds)"
                )
            time.sleep(POLL_SECONDS)
        return observers

    def _check_servers(self, servers: list[Child]) -> None:
        for index, server in enumerate(servers):
            if server.exit_code is not None:
                raise EngineError(f"engine replica {index} exited with code {server.exit_code}")

    def _run_writers(
        self, group: ProcessGroup, config_path: Path, servers: list[Child], observers: list[Child]
    ) -> list[Child]:
        env = {PASSWORD_ENV: self.password}
        writers = [
            group.start(
                f"writer.{n}",
                self._role_command(config_path, "writer", "--writer-id", str(n)),
                env={**env, **self.role_env.get(f"writer.{n}", {})},
            )
            for n in range(self.spec.workload.writers)
        ]
        workload = self.spec.workload
        expected = workload.total_writes / workload.rate
        started = time.monotonic()
        deadline = started + self.spec.run_seconds
        writers_done_at: float | None = None
        injector = [self.faults.injector] if self.faults else []
        if self.faults:
            self.faults.roles = {c.label: c for c in writers + observers}
        while any(child.exit_code is None for child in writers + observers + injector):
            if self.faults:
                self.faults.tick()
            elapsed = time.monotonic() - started
            self.progress("running", min(1.0, elapsed / expected))
            if writers_done_at is None and all(c.exit_code is not None for c in writers):
                writers_done_at = time.monotonic()
            if writers_done_at is not None:
                self._stop_stragglers(observers, writers_done_at)
            for index, server in enumerate(servers):
                reason = (
                    f"engine replica {index} exited with code {server.exit_code} during the run"
                )
                if server.exit_code is not None and reason not in self.run_failures:
                    self.run_failures.append(reason)
            if time.monotonic() > deadline:
                self.run_failures.append(
                    f"the run did not finish within {self.spec.run_seconds:.0f}s "
                    "(timeouts.runSeconds)"
                )
                break
            time.sleep(POLL_SECONDS)
        self.progress("collecting", 1.0)
        return writers

    def _stop_stragglers(self, observers: list[Child], writers_done_at: float) -> None:
        """Observers still waiting well after every writer ended (a writer that failed never
        announces its end) are asked to stop; they answer with the document they have."""
        waited = time.monotonic() - writers_done_at
        if not stragglers_due(waited, self.spec.timeouts.drain_seconds):
            return
        for child in observers:
            if child.exit_code is None and child.label not in self.stopped:
                child.process.terminate()
                self.stopped.add(child.label)

    def _collect(
        self,
        endpoints: list[Endpoint],
        observers: list[Child],
        writers: list[Child],
        started_ns: int,
    ) -> RunResult:
        """The one collection core (:mod:`kobench.run.collection`) merges what the roles printed."""
        killed = self.faults.killed if self.faults else set()
        outputs = [
            *outputs_of("writer", writers, killed),
            *outputs_of("observer", observers, killed),
        ]
        if self.faults:
            outputs += outputs_of("faults", [self.faults.injector], killed)

        def live_engine() -> EngineFacts:
            return inspect_engine(self.engine, endpoints, self.password)

        return merge_outputs(
            benchmark=self.benchmark.metadata.name,
            run_id=self.run_id,
            spec=self.spec,
            outputs=outputs,
            reasons=self.run_failures,
            engine_fallback=live_engine,
            span_ns=(started_ns, time.time_ns()),
            fault_records=self.faults.records if self.faults else (),
        )


def run_local(
    benchmark: Benchmark,
    *,
    server_binary: str | None = None,
    progress: Progress | None = None,
    role_env: Mapping[str, Mapping[str, str]] | None = None,
    peer_links: PeerLinks | None = None,
) -> RunResult:
    """Run a benchmark on this machine and return its merged result."""
    run = LocalRun(benchmark, server_binary, progress or _no_progress, role_env or {}, peer_links)
    return run.execute()


__all__ = ["LocalRun", "run_local"]
