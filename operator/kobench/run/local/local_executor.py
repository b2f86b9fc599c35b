"""The local executor: a run's roles as processes of this machine, seen as the machine's roles.

Engine replicas are servers on free loopback ports (:mod:`.local_servers`); observers, writers
and the fault injector are ``kobench role`` processes reading the run's configuration file.
:meth:`LocalExecutor.observe` turns them into :class:`~kobench.run.observed.Observed`,
:meth:`LocalExecutor.apply` carries out the machine's actions. A matrix's steps run as nested
local runs (:mod:`.local_loop`), one after another.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from kobench.api import BenchmarkSpec
from kobench.api.status import BenchmarkStatus
from kobench.measure.compare.comparison_docs import MatrixComparison
from kobench.measure.results import EngineFacts, RunResult
from kobench.measure.results.target_docs import TargetRecord
from kobench.plugins.connections import Access, use_access
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.inspect import inspect_engine
from kobench.roles.injector import fault_clock
from kobench.roles.role_config import PASSWORD_ENV, Endpoint, RoleConfig
from kobench.run.actions import (
    Action,
    KeepComparison,
    KeepResult,
    KillRole,
    StartChild,
    StartEngine,
    StartRoles,
    StopRoles,
    StopRun,
)
from kobench.run.collection import result_line
from kobench.run.local.local_files import read_result_file
from kobench.run.local.local_servers import PeerLinks, find_server, server_commands
from kobench.run.local.processes import Child, ProcessGroup
from kobench.run.needs import needs
from kobench.run.observed import ChildView, Observed, Resource, RoleView
from kobench.run.plan import Role, plan_run
from kobench.run.spec_check import spec_problems
from kobench.run.stages.matrix_cells import compare_children
from kobench.run.target.target_session import TargetSession, close_target

RunChild = Callable[[StartChild], ChildView]
"""Runs one step of a matrix to its end (a nested local run) and says how it went."""


@dataclass(frozen=True)
class LocalOptions:
    """How ``kobench run`` carries a benchmark out on this machine."""

    server_binaries: Mapping[str, str] = field(default_factory=dict)
    """Engine type -> server executable ("" for every engine); default: from PATH."""
    base_dir: Path = Path(".")
    """Where relative paths of the benchmark (``spec.baseline.resultFile``) are read from."""
    role_env: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Extra environment per role key ("sync.0", "writer.0"): how a test runs one role under
    libfaketime, or on a pretend node (``KOBENCH_NODE_NAME``)."""
    peer_links: PeerLinks | None = None
    """Where replicas reach their peers (default: directly): how a test puts a Toxiproxy on a
    replication link."""

    target: TargetSession | None = None
    """A run against the user's engine: its endpoints, password and access (nothing started)."""

    def server_binary(self, engine: str) -> str | None:
        return self.server_binaries.get(engine, self.server_binaries.get(""))


def _tail(child: Child) -> str:
    lines = [line for line in child.read_output().strip().splitlines() if line][-3:]
    return " | ".join(lines) if lines else "no output"


class LocalExecutor:
    """One local run's processes, and what they look like to the phase machine."""

    def __init__(
        self,
        resource: Resource,
        run_id: str,
        group: ProcessGroup,
        options: LocalOptions,
        run_child: RunChild,
    ) -> None:
        self.resource, self.run_id, self.group, self.options = resource, run_id, group, options
        self.run_child = run_child
        self.directory = group.directory
        target = options.target
        self.password = target.password if target else secrets.token_hex(16)
        self.endpoints: list[Endpoint] = list(target.endpoints) if target else []
        self.access = target.access if target else Access()
        """How this process and the roles connect (a target's, or the run's own TLS)."""
        self.commands: dict[int, list[str]] = {}
        """Each replica's server command, to start it again after a kill."""
        self.processes: dict[str, Child] = {}
        """The current process of each role, by key (a restarted replica replaces its entry)."""
        self.ended_at: dict[str, dt.datetime] = {}
        self.engine_ready = False
        self.engine_facts: EngineFacts | None = None
        self.children: dict[int, ChildView] = {}
        self.result: RunResult | None = None
        self.comparison: MatrixComparison | None = None
        self.target_documents: dict[str, str] = {}
        """The target's opening and cleanup, done in this process (the session is open)."""
        self.target_record: TargetRecord | None = None

    # --- what the machine sees ---------------------------------------------------------------

    def observe(
        self, status: BenchmarkStatus, spec: BenchmarkSpec | None, now: dt.datetime
    ) -> Observed:
        wanted = needs(status, self.resource, spec, metrics_known=True)
        observed = Observed(resource=self.resource, run_id=self.run_id, children=self.children)
        fields: dict[str, object] = {}
        if wanted.validation:
            fields["spec_problems"] = tuple(spec_problems(self.resource.spec, reads="files"))
        if spec is None:
            return replace(observed, **fields)  # type: ignore[arg-type]
        if wanted.roles:
            fields["roles"] = self._views(spec, now, inspect=status.phase == "WaitingForEngine")
        if wanted.documents:
            fields["documents"] = {
                role.key: result_line(child.read_output())
                for role in plan_run(spec).documented
                if (child := self.processes.get(role.key)) is not None
            } | self.target_documents
        if wanted.engine_facts and self.endpoints:
            if self.engine_facts is None:  # read once, as the roles ended
                engine = get_engine(spec.engine.type)
                self.engine_facts = inspect_engine(engine, self.endpoints, self.password)
            fields["engine_facts"] = self.engine_facts
        if wanted.fault_clock and (injector := self.processes.get("faults")) is not None:
            fields["fault_clock_ns"] = fault_clock(injector.read_output())
        if wanted.baseline and spec.baseline is not None:
            fields["baseline"], fields["baseline_error"] = self._baseline(spec)
        if wanted.comparison:
            fields["comparison"] = compare_children(self.resource.name, spec, self.children)
        return replace(observed, **fields)  # type: ignore[arg-type]

    def _baseline(self, spec: BenchmarkSpec) -> tuple[RunResult | None, str]:
        file = spec.baseline.result_file if spec.baseline else None
        if file is None:
            return None, "not set"
        path = Path(file) if Path(file).is_absolute() else self.options.base_dir / file
        return read_result_file(path)

    def _views(
        self, spec: BenchmarkSpec, now: dt.datetime, *, inspect: bool
    ) -> dict[str, RoleView]:
        views: dict[str, RoleView] = {}
        for role in plan_run(spec).every:
            if role.key in self.target_documents:
                ended = self.ended_at.setdefault(role.key, now)
                views[role.key] = RoleView("Succeeded", finished_at=ended)
            child = self.processes.get(role.key)
            if child is None:
                continue
            code = child.exit_code
            if code is not None:
                ended = self.ended_at.setdefault(role.key, now)
                if code == 0:
                    views[role.key] = RoleView("Succeeded", finished_at=ended)
                else:
                    program = f"{self.commands[role.index][0]} " if role.kind == "replica" else ""
                    failure = f"{program}exited with code {code} ({_tail(child)})"
                    views[role.key] = RoleView("Failed", failure=failure, finished_at=ended)
            elif role.kind == "observer":
                ready = (self.directory / "ready" / role.key).exists()
                views[role.key] = RoleView("Running", ready=ready)
            else:
                views[role.key] = RoleView("Running", ready=self.engine_ready)
        if inspect and not self.engine_ready:
            self._inspect(spec, views)
        return views

    def _inspect(self, spec: BenchmarkSpec, views: dict[str, RoleView]) -> None:
        """While the engine starts: each replica is ready once its replication links are up."""
        facts = inspect_engine(get_engine(spec.engine.type), self.endpoints, self.password)
        for state in facts.replication:
            key = Role("replica", state.index).key
            view = views.get(key)
            if view is not None and view.phase == "Running":
                waiting = "" if state.link_up else f"{state.role}: {state.detail}".strip(": ")
                views[key] = replace(view, ready=state.link_up, waiting=waiting)
        self.engine_ready = all(
            views.get(r.key) is not None and views[r.key].ready for r in plan_run(spec).replicas
        )

    # --- what the machine asks for -----------------------------------------------------------

    def apply(self, action: Action, spec: BenchmarkSpec | None) -> None:
        if isinstance(action, StartChild):
            self.children[action.step] = self.run_child(action)
        elif isinstance(action, KeepResult):
            self.result = action.result
        elif isinstance(action, KeepComparison):
            self.comparison = action.comparison
        elif isinstance(action, StopRun):
            self.group.stop_all()
        elif spec is not None and isinstance(action, StartEngine):
            self._start_engine(spec)
        elif spec is not None and isinstance(action, StartRoles):
            for role in action.roles:
                self._start_role(spec, role)
        elif isinstance(action, KillRole):
            self._kill(action.role)
        elif isinstance(action, StopRoles):
            for role in action.roles:
                child = self.processes.get(role.key)
                if child is not None and child.exit_code is None:
                    with contextlib.suppress(ProcessLookupError):
                        child.process.send_signal(signal.SIGTERM)
        # FreezeSpec (the spec is fixed for the process), Events, metrics: nothing to do here.

    def _start_engine(self, spec: BenchmarkSpec) -> None:
        engine = get_engine(spec.engine.type)
        binary = find_server(engine, self.options.server_binary(engine.name))
        links, directory = self.options.peer_links, self.directory
        servers = server_commands(spec, engine, binary, directory, self.password, links)
        self.endpoints, self.access = servers.endpoints, servers.access
        use_access(self.access)  # this process inspects the engine too
        for index, command in enumerate(servers.commands):
            self.commands[index] = command
            key = Role("replica", index).key
            self.processes[key] = self.group.start(key, command)
        self._write_config(spec)

    def _write_config(self, spec: BenchmarkSpec) -> None:
        """The roles' run configuration (once): the engine's or the target's endpoints."""
        path = self.directory / "run.json"
        if path.exists():
            return
        config = RoleConfig(
            run_id=self.run_id,
            spec=spec,
            endpoints=self.endpoints,
            subscribe_timeout_seconds=float(spec.timeouts.subscribe_seconds),
            access=self.access,
        )
        path.write_text(config.to_json(), encoding="utf-8")

    def _target_role(self, role: Role) -> None:
        """The target's opening (done before the run, so that a refusal starts nothing) and
        its cleanup, in this process: the same documents as the roles' in pods."""
        session = self.options.target
        if session is None or role.key in self.target_documents:
            return
        if role.kind == "target-open":
            self.target_documents[role.key] = session.status().model_dump_json(by_alias=True)
        else:
            self.target_record = close_target(session)
            self.target_documents[role.key] = self.target_record.model_dump_json(by_alias=True)

    def _start_role(self, spec: BenchmarkSpec, role: Role) -> None:
        if role.kind in ("target-open", "target-close"):
            self._target_role(role)
            return
        if role.key in self.processes:
            return
        self._write_config(spec)
        args: list[str] = [role.kind]
        if role.kind == "observer":
            ready = self.directory / "ready" / role.key
            args += ["--observer", role.observer, "--instance", str(role.index)]
            args += ["--ready-file", str(ready)]
        elif role.kind == "writer":
            args += ["--writer-id", str(role.index)]
        command = [sys.executable, "-m", "kobench", "role", *args]
        command += ["--config", str(self.directory / "run.json")]
        password = {PASSWORD_ENV: self.password} if self.password else {}
        env = {**password, **self.options.role_env.get(role.key, {})}
        self.processes[role.key] = self.group.start(role.key, command, env=env)

    def _kill(self, role: Role) -> None:
        """SIGKILL; a replica is started again at once on its port with an empty data
        directory (nothing persists: it resyncs from its primary or peers)."""
        child = self.processes.get(role.key)
        if child is None:
            return
        with contextlib.suppress(ProcessLookupError):
            child.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=5)
        if role.kind == "replica":
            for leftover in (self.directory / role.key).glob("*.rdb"):
                leftover.unlink()
            restarts = sum(1 for c in self.group.children if c.label.startswith(role.key))
            label = f"{role.key}.restart{restarts}"
            self.processes[role.key] = self.group.start(label, self.commands[role.index])
