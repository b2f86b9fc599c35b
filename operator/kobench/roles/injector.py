"""``kobench role faults``, the fault injector: sends the Redis-command faults at their times,
and watches the engine recover from every replica fault (the kills too, which its runner applies).

Its clock is the writers' schedule: writer 0 stores when the measured writes start under
:func:`kobench.measure.protocol.measuring_key` before its warm-up; the injector prints that
instant on a ``KOBENCH_FAULT_CLOCK`` line (its runner times the kills from it) and ends with its
document.
"""

from __future__ import annotations

import contextlib
import secrets
import sys
from typing import TextIO

import redis

from kobench.api import REPLICA_ACTIONS, TIMED_ACTIONS
from kobench.api.fault_spec import AppliedFault
from kobench.measure import protocol
from kobench.measure.clock import SYSTEM_CLOCK, Clock
from kobench.measure.results.fault_docs import FaultsResult
from kobench.plugins import connections as clients
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.inspect import inspect_engine, replication_ready
from kobench.plugins.mechanisms.listening import RECEIVER_NAME_PREFIX
from kobench.roles.fault_commands import end_commands, receivers_of, start_commands
from kobench.roles.fault_steps import NS, RECOVERY_SECONDS, Step, steps
from kobench.roles.role_config import RoleConfig
from kobench.roles.writer_rules import writer_targets

FAULT_CLOCK_MARKER = "KOBENCH_FAULT_CLOCK "
TICK_SECONDS = 0.05
DOWN_WITHIN_SECONDS = 5.0
"""How long a killed replica may take to go down (its runner polls) before it counts as
recovered without having been seen down."""


def fault_clock(output: str) -> int | None:
    """The fault clock an injector printed, if it has yet."""
    for line in output.splitlines():
        if line.startswith(FAULT_CLOCK_MARKER):
            return int(line[len(FAULT_CLOCK_MARKER) :])
    return None


class _Watch:
    """Waiting for the engine to be whole again after one replica fault."""

    def __init__(self, index: int, from_ns: int, *, kill: bool) -> None:
        self.index, self.from_ns, self.kill = index, from_ns, kill
        self.seen_down = not kill


class Injector:
    def __init__(
        self, config: RoleConfig, password: str | None, *, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.config, self.password, self.clock = config, password, clock
        self.spec = config.spec
        self.engine = get_engine(self.spec.engine.type)
        self.wrong_password = "kobench-cut-" + secrets.token_hex(8)
        self.own_only = self.spec.target is not None
        """A target's other clients are not kobench's: drop only this run's observers."""
        self.receivers = (
            f"{RECEIVER_NAME_PREFIX}{config.run_id}." if self.own_only else RECEIVER_NAME_PREFIX
        )
        self.records = {
            i: AppliedFault.of(i, f)
            for i, f in enumerate(self.spec.faults)
            if f.action in REPLICA_ACTIONS
        }

    def _client(self, replica: int, *, timeout: float = 5.0) -> redis.Redis:
        endpoint = self.config.endpoints[replica]
        return clients.client(endpoint.host, endpoint.port, self.password, timeout=timeout)

    def _measured_from(self, out: TextIO) -> int:
        """Writer 0's measured start, once it has stored it."""
        key = protocol.measuring_key(self.spec.workload.handshake_key, self.config.run_id)
        replica = writer_targets(self.config, 0)[0]
        deadline = self.clock.monotonic_ns() + round(
            (self.config.subscribe_timeout_seconds + self.spec.run_seconds) * NS
        )
        with self._client(replica) as client:
            while self.clock.monotonic_ns() < deadline:
                value = client.get(key)
                if value is not None:
                    out.write(f"{FAULT_CLOCK_MARKER}{int(value)}\n")
                    out.flush()
                    return int(value)
                self.clock.sleep(TICK_SECONDS)
        raise TimeoutError("writer 0 never said when the measured writes start")

    def _step(self, step: Step, watches: list[_Watch]) -> None:
        fault = self.spec.faults[step.index]
        record = self.records[step.index]
        assert fault.replica is not None  # validated: a replica fault names its replica
        commands = (
            start_commands(fault, wrong_password=self.wrong_password, own_only=self.own_only)
            if step.kind == "apply"
            else end_commands(fault, password=self.password)
        )
        sent_ns = self.clock.wall_ns()
        try:
            with self._client(fault.replica) as client:
                for command in commands:
                    client.execute_command(*command)
                if fault.action == "dropSubscribers" and step.kind == "apply":
                    listed = client.execute_command("CLIENT", "LIST")
                    text = listed.decode() if isinstance(listed, bytes) else str(listed)
                    for kill in receivers_of(text, self.receivers):
                        with contextlib.suppress(redis.ResponseError):  # gone meanwhile
                            client.execute_command(*kill)
        except (redis.RedisError, OSError) as exc:
            record.error = f"{step.kind} failed on replica {fault.replica}: {exc}"
        now = self.clock.wall_ns()
        if step.kind == "apply":
            record.applied_ns = sent_ns  # observers may feel it before the commands return
            if fault.action not in TIMED_ACTIONS:
                record.ended_ns = now
        elif fault.action == "pauseReplica":
            # The server lifts the pause on its own clock, duration after it was sent.
            record.ended_ns = record.applied_ns + round((fault.duration_seconds or 0) * NS)
        else:
            record.ended_ns = now
        # Subscribers dropped reconnect on their own, and a pause lifts itself: only a cut
        # link has a resync to wait for.
        if fault.action == "cutReplication" and step.kind == "lift":
            watches.append(_Watch(step.index, now, kill=False))

    def _check(self, watches: list[_Watch]) -> None:
        facts = inspect_engine(self.engine, self.config.endpoints, self.password)
        ready = replication_ready(facts)
        now = self.clock.wall_ns()
        for watch in list(watches):
            if now < watch.from_ns:
                continue
            if not ready:
                watch.seen_down = True
            elif watch.seen_down or now - watch.from_ns > DOWN_WITHIN_SECONDS * NS:
                self.records[watch.index].recovered_ns = now
                watches.remove(watch)

    def _pausing(self) -> bool:
        """A pause applied is still in effect (the server lifts it on its own clock)."""
        now = self.clock.wall_ns()
        return any(
            self.spec.faults[r.index].action == "pauseReplica"
            and r.applied_ns
            and (not r.ended_ns or now < r.ended_ns)  # ended_ns is set when its time is up
            for r in self.records.values()
        )

    def run(self, out: TextIO = sys.stdout) -> FaultsResult:
        try:
            measured_from = self._measured_from(out)
        except (TimeoutError, redis.RedisError, OSError) as exc:
            return FaultsResult(applied=list(self.records.values()), error=str(exc))
        pending = steps(self.spec, measured_from, kills=False)
        watches = [
            _Watch(i, measured_from + round(f.at_seconds * NS), kill=True)
            for i, f in enumerate(self.spec.faults)
            if f.action == "killReplica"
        ]
        measured_ns = round(self.spec.workload.measured_writes / self.spec.workload.rate * NS)
        deadline = measured_from + measured_ns + round(RECOVERY_SECONDS * NS)
        while (pending or watches) and self.clock.wall_ns() < deadline:
            while pending and pending[0].due_ns <= self.clock.wall_ns():
                self._step(pending.pop(0), watches)
            # A paused replica holds every command sent to it (INFO too) until its pause ends:
            # checking then would hold the steps due meanwhile.
            if any(w.from_ns <= self.clock.wall_ns() for w in watches) and not self._pausing():
                self._check(watches)
            wait_ns = TICK_SECONDS * NS
            if pending:
                wait_ns = min(wait_ns, max(0, pending[0].due_ns - self.clock.wall_ns()))
            self.clock.sleep(wait_ns / NS)
        return FaultsResult(measured_from_ns=measured_from, applied=list(self.records.values()))
