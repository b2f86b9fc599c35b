"""The fault schedule in a local run: the injector process sends the Redis-command faults, and
the runner applies the kills itself, timed from the clock the injector prints.

A killed replica is ended with SIGKILL and started again at once on the same port with an empty
data directory (nothing persists: it resyncs from its primary or peers). A killed observer or
writer stays dead.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kobench.api import BenchmarkSpec, Fault
from kobench.api.fault_spec import AppliedFault
from kobench.roles.fault_steps import Step, steps
from kobench.roles.injector import fault_clock
from kobench.run.local.processes import Child, ProcessGroup

Restart = Callable[[int], Child]
"""Starts replica ``index`` again (same port and arguments) and returns its process."""


@dataclass
class LocalFaults:
    spec: BenchmarkSpec
    injector: Child
    servers: list[Child]
    """The engine's processes, replica i at i; a restarted replica replaces its entry."""
    restart: Restart
    data_dirs: list[Path]
    roles: dict[str, Child] = field(default_factory=dict)
    """Observers and writers by label (``sync.0``, ``writer.0``), for killObserver/killWriter."""
    records: list[AppliedFault] = field(default_factory=list)
    killed: set[str] = field(default_factory=set)
    _pending: list[Step] | None = None

    def tick(self) -> None:
        """Apply the kills that are due (called by the runner's poll loop)."""
        if self._pending is None:
            measured_from = fault_clock(self.injector.read_output())
            if measured_from is None:
                return
            self._pending = steps(self.spec, measured_from, kills=True)
        while self._pending and self._pending[0].due_ns <= time.time_ns():
            step = self._pending.pop(0)
            self._apply(step.index, self.spec.faults[step.index])

    def _apply(self, index: int, fault: Fault) -> None:
        error = ""
        applied_ns = time.time_ns()  # when the signal went: the role may notice before it returns
        if fault.action == "killReplica":
            assert fault.replica is not None  # validated
            _kill(self.servers[fault.replica])
            for leftover in self.data_dirs[fault.replica].glob("*.rdb"):
                leftover.unlink()  # a replica's synced copy: it must come back empty
            self.servers[fault.replica] = self.restart(fault.replica)
        else:
            child = self.roles.get(fault.target)
            if child is None or child.exit_code is not None:
                error = f"{fault.target} had already ended"
            else:
                _kill(child)
                self.killed.add(fault.target)
        self.records.append(AppliedFault.of(index, fault, at_ns=applied_ns, error=error))


def start_fault_schedule(
    spec: BenchmarkSpec,
    group: ProcessGroup,
    injector_command: list[str],
    env: dict[str, str],
    servers: list[Child],
    server_commands: list[list[str]],
    directory: Path,
) -> LocalFaults:
    """Start the injector; a killed replica is restarted with its first command."""
    injector = group.start("faults", injector_command, env=env)
    restarts = iter(range(1, 1_000))

    def restart(index: int) -> Child:
        return group.start(f"replica-{index}.restart{next(restarts)}", server_commands[index])

    data = [directory / f"replica-{i}" for i in range(len(servers))]
    return LocalFaults(spec, injector, servers, restart, data)


def _kill(child: Child) -> None:
    with contextlib.suppress(ProcessLookupError):
        child.process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.process.wait(timeout=5)
