"""The writer: open-loop writes on a fixed schedule (:mod:`.schedule`), stamped with their
intended send time, and a listener thread (:mod:`.handshakes`) on the writer's own replica that
measures the observers' handshakes on the writer's clocks.

Whatever happens to the engine, the writer reports what it sent: the writes the engine
acknowledged, and the batch that was in flight when it was lost.
"""

from __future__ import annotations

import threading
from array import array

import redis

from kobench.measure import protocol
from kobench.measure.clock import SYSTEM_CLOCK, Clock, wall_minus_monotonic_ns
from kobench.measure.histograms import encode_histogram
from kobench.measure.results import Calibration, WriterResult
from kobench.plugins import connections as clients
from kobench.plugins.engines import get_engine
from kobench.plugins.observers.context import Target, client_info
from kobench.roles.handshakes import HandshakeListener, handshake_subscription
from kobench.roles.ping import calibrate
from kobench.roles.readback import engine_snapshot
from kobench.roles.refusals import send_items, served, skip_notes
from kobench.roles.role_config import RoleConfig
from kobench.roles.schedule import (
    CONFLICT_START_DELAY_NS,
    CONTROL,
    PLAIN,
    Item,
    Progress,
    Schedule,
    plan_batch,
    write_all,
)
from kobench.roles.write_items import DueReads, ItemCommands
from kobench.roles.writer_rules import (
    agree_start,
    expected_handshakes,
    handshaking,
    tighten_timer_slack,
    writer_targets,
)

QUIET_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 0.2


class Writer:
    def __init__(
        self,
        config: RoleConfig,
        writer_id: int,
        password: str | None,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.config = config
        self.writer_id = writer_id
        self.password = password
        self.spec = config.spec
        self.clock = clock
        self.targets = writer_targets(config, writer_id)
        workload = self.spec.workload
        self.total = workload.total_writes
        self.measured_start_ns = 0
        """Wall clock of the first measured write's due time, once the schedule has started."""
        self.wall_step_ns = 0
        """How far the wall clock moved against the monotonic one while writing."""
        self.sent_wall = array("q", bytes(8 * self.total))
        self.sent_mono = array("q", bytes(8 * self.total))
        prefix = protocol.answer_prefix(workload.handshake_key, config.run_id)
        self.listener = HandshakeListener(
            writer_id, prefix, self.sent_wall, self.sent_mono, warmup=workload.warmup_writes
        )
        engine = self.spec.engine
        self.subscription = handshake_subscription(
            engine.notify_keyspace_events, engine.database, prefix
        )
        self.progress = Progress(writer=writer_id)
        self.commands = ItemCommands(self.spec, config.run_id)
        self.notes = skip_notes(
            workload.handshake_key, config.run_id, writer_id, workload.key_ttl_seconds
        )
        self._stop = threading.Event()
        self._subscribed = threading.Event()
        self._written = threading.Event()
        """The schedule is over (the due-time reader reads what is left, then stops)."""
        self.stop_at = clock.monotonic_ns() + round(self.spec.run_seconds * 1e9)
        """The run's time limit, counted from the writer's start (the run's Running stage)."""

    def _target(self, replica: int) -> Target:
        endpoint = self.config.endpoints[replica]
        return Target(endpoint.host, endpoint.port, self.password, self.spec.engine.database)

    def _listen(self) -> None:
        """Book handshakes until told to stop; subscribe again after a connection loss."""
        prefix = self.listener.prefix.encode()
        subscription = self.subscription
        while not self._stop.is_set():
            try:
                pubsub = clients.pubsub(self._target(self.targets[0]).client())
                if subscription.pattern:
                    pubsub.psubscribe(subscription.channel)
                else:
                    pubsub.subscribe(subscription.channel)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.2)
                    if message is None:
                        continue
                    kind = message["type"]
                    if kind in ("subscribe", "psubscribe"):
                        self._subscribed.set()
                    elif kind in ("message", "pmessage"):
                        key = subscription.key_of(message["channel"], message["data"])
                        if key is not None and key.startswith(prefix):
                            self.listener.book(key, self.clock.wall_ns(), self.clock.monotonic_ns())
                pubsub.close()
            except (redis.RedisError, OSError):
                self.listener.disconnects += 1
                self._subscribed.set()  # the writer goes on: its own writes say what is wrong
                self._stop.wait(RETRY_PAUSE_SECONDS)

    def run(self) -> WriterResult:
        tighten_timer_slack()
        started_ns = self.clock.wall_ns()
        # Before the schedule (and the handshake listener) starts: nothing else runs meanwhile.
        first = self.targets[0]
        calibration = calibrate(self._target(first), replica=first, client="sync")
        listener = threading.Thread(target=self._listen, name="handshakes", daemon=True)
        if handshaking(self.config):
            listener.start()
            self._subscribed.wait(timeout=self.spec.timeouts.subscribe_seconds)
        error: str | None = None
        clients = {replica: self._target(replica).client() for replica in set(self.targets)}
        try:
            if not self._write(clients):
                error = self._cut_short()
            progress = self.progress
            end = protocol.End(
                self.writer_id, progress.sent, self.clock.wall_ns(), progress.refused_count
            )
            prefix = protocol.end_prefix(self.spec.workload.handshake_key, self.config.run_id)
            for replica, client in clients.items():
                self._served(client, protocol.end_key(prefix, end), replica, kind=CONTROL)
            if handshaking(self.config):
                self._await_handshakes(progress.sent - progress.refused_count)
        except (redis.RedisError, OSError) as exc:
            error = f"lost the engine after {self.progress.sent} writes: {exc}"
        finally:
            self._stop.set()
            for client in clients.values():
                client.close()
        if handshaking(self.config):
            listener.join(timeout=2.0)
        return self._result(started_ns, error, calibration)

    def _cut_short(self) -> str:
        """The run's time limit came before the schedule's end: what was sent is announced (the
        observers expect no more), and the writer says why it stopped."""
        limit = self.spec.run_seconds
        return (
            f"stopped at the run's time limit, {limit:.0f}s (spec.timeouts.runSeconds), after "
            f"{self.progress.sent} of {self.total} writes"
        )

    def _result(self, started_ns: int, error: str | None, calibration: Calibration) -> WriterResult:
        engine = convergence = None
        if self.writer_id == 0:
            engine, convergence = engine_snapshot(self.config, self.password)
        progress, warmup = self.progress, self.spec.workload.warmup_writes
        return WriterResult(
            writer_id=self.writer_id,
            target_replicas=self.targets,
            client=client_info(),
            started_ns=started_ns,
            ended_ns=self.clock.wall_ns(),
            measured_start_ns=self.measured_start_ns,
            sent=progress.sent,
            unconfirmed=progress.unconfirmed,
            warmup_writes=warmup,
            measured_seconds=round(progress.measured_seconds, 4),
            achieved_rate=progress.achieved_rate(warmup),
            max_lag_us=round(progress.max_lag_ns / 1000.0, 1),
            wall_clock_step_ms=round(self.wall_step_ns / 1e6, 3),
            rtt={name: encode_histogram(h) for name, h in sorted(self.listener.rtt.items())},
            handshakes=dict(sorted(self.listener.count.items())),
            clock=self.listener.clock(),
            engine=engine,
            series=progress.series(),
            convergence=convergence,
            calibration=calibration,
            not_written=progress.not_written,
            error=error or self.listener.error,
        )

    def _schedule(self) -> Schedule:
        """Now, or (conflict mode) at the instant every writer agreed on."""
        workload = self.spec.workload
        total, warmup, rate = self.total, workload.warmup_writes, workload.rate
        if workload.conflict is None:
            return Schedule.starting_now(self.clock, rate=rate, total=total, warmup=warmup)
        masters = get_engine(self.spec.engine.type).write_replicas(self.spec.engine.replicas)
        key = protocol.conflict_start_key(workload.key_prefix, self.config.run_id)
        with self._target(masters[0]).client() as client:
            start = agree_start(
                client,
                key,
                self.clock.wall_ns() + CONFLICT_START_DELAY_NS,
                workload.key_ttl_seconds,
            )
        return Schedule.starting_at(self.clock, start, rate=rate, total=total, warmup=warmup)

    def _write(self, clients: dict[int, redis.Redis]) -> bool:
        """Every write on schedule; False when the run's time limit cut the schedule short."""
        workload = self.spec.workload
        schedule = self._schedule()
        self.measured_start_ns = schedule.intended_ns(workload.warmup_writes)
        if self.writer_id == 0 and self.spec.faults:
            # The fault injector times the faults from it (the warm-up is still ahead).
            key = protocol.measuring_key(workload.handshake_key, self.config.run_id)
            self._served(clients[self.targets[0]], key, self.measured_start_ns)

        reads = DueReads(self.spec, self.config.run_id, self.writer_id, self.targets)
        reader = reads.start(
            schedule,
            lambda: self.progress.sent,
            self._written.is_set,
            self.clock,
            ({r: self._target(r).client() for r in set(self.targets)}, self.commands),
        )

        def send(start: int, stop: int) -> list[tuple[int, str]]:
            batch = plan_batch(
                workload, self.config.run_id, self.writer_id, self.targets, schedule, start, stop
            )
            sent_wall, sent_mono = self.clock.wall_ns(), self.clock.monotonic_ns()
            for n in range(start, stop):
                self.sent_wall[n] = sent_wall
                self.sent_mono[n] = sent_mono
            shared, spread = workload.key_mode == "shared", len(self.targets)
            refused: list[tuple[int, str]] = []
            for replica, items in batch.items():
                notes = self.notes.items() if shared else []
                reason = send_items(clients[replica], notes + items, self.commands)
                if reason is None:
                    self.notes.announced()  # the notes went out just before the writes
                    continue
                seqs = [n for n in range(start, stop) if self.targets[n % spread] == replica]
                refused += [(n, reason) for n in seqs]
                if shared:
                    self.notes.refused(seqs)
            return refused

        offset_ns = wall_minus_monotonic_ns(self.clock)
        try:
            return write_all(
                schedule, self.clock, send, self.progress, stop_at_mono_ns=self.stop_at
            )
        finally:
            self._written.set()
            if reader is not None:
                reader.join(timeout=self.spec.workload.expiry.after_ms / 1000 + 5.0)
            self.wall_step_ns = wall_minus_monotonic_ns(self.clock) - offset_ns

    def _served(self, client: redis.Redis, key: str, value: int, *, kind: int = PLAIN) -> None:
        """One SET the observers need (an end marker, the fault clock), announced the
        mechanism's way when it is news for them: made, waiting while the engine cannot
        serve, for up to the drain time."""
        item = Item(key, str(value).encode(), self.spec.workload.key_ttl_seconds, kind)

        def set_it() -> None:
            for command in self.commands(item):
                client.execute_command(*command)

        served(set_it, self.clock, self.spec.timeouts.drain_seconds)

    def _await_handshakes(self, sent: int) -> None:
        """Wait until every handshaking observer answered, or the drain time passed."""
        expected = expected_handshakes(self.config, sent)
        ended = self.clock.monotonic_ns()
        deadline = ended + self.spec.timeouts.drain_seconds * 1_000_000_000
        while self.clock.monotonic_ns() < deadline and self.listener.total < expected:
            # Shared-mode reads of several writers are not all answered: stop once it is quiet.
            quiet_since = max(ended, self.listener.last_at_ns)
            if self.clock.monotonic_ns() - quiet_since > QUIET_SECONDS * 1e9:
                return
            self.clock.sleep(0.05)
