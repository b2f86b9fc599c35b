"""``kobench role probe``, the capability probe: once the engine is ready and before any observer
starts, ask every server the run uses what it supports, and send one write the run's way.

Per server: its version and ``hz``; ``notify-keyspace-events`` set as the spec asks and read
back (a server that keeps only some classes says so here); each feature the mechanism names
(:mod:`.probe_checks`); and, on each replica an observer listens on, one write sent from the
writers' replica through the mechanism's own writer side and received by its own sync receiver
(the delivery check): what a server accepts but never delivers is found too. Everything uses
keys, channels and streams of the probe's own. The lifecycle refuses the run on what is not
supported (phase Error, naming the engine, its version and the feature).
"""

from __future__ import annotations

import time

import redis

from kobench.api import BenchmarkSpec
from kobench.measure import protocol
from kobench.measure.protocol import Write
from kobench.measure.results.probe_docs import ProbeAnswer, ProbeResult, ReplicaProbe
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.inspect import server_version
from kobench.plugins.mechanisms import effective, get_mechanism
from kobench.plugins.mechanisms.commands import classes_of
from kobench.plugins.mechanisms.mechanism_protocol import EVENT, SyncReceiver
from kobench.plugins.mechanisms.stream_reads import control_stream
from kobench.plugins.observers.context import ObserverContext, Target
from kobench.roles.probe_checks import TIMEOUT_SECONDS, ask
from kobench.roles.role_config import RoleConfig
from kobench.roles.schedule import EVENT as EVENT_ITEM
from kobench.roles.schedule import Item
from kobench.roles.write_items import ItemCommands
from kobench.roles.writer_rules import writer_targets

DELIVERY_SECONDS = 3.0
"""How long the delivery check waits for its one event (an expiry is due 20 ms after it)."""
EXPIRE_SOON_NS = 20_000_000
FLAGS_FIELD = "spec.engine.notifyKeyspaceEvents"


def probe_spec(spec: BenchmarkSpec) -> BenchmarkSpec:
    """The spec the delivery check runs: unique keys (it must not touch the run's shared key)."""
    workload = spec.workload.model_copy(update={"key_mode": "unique"})
    return spec.model_copy(update={"workload": workload})


class Probe:
    def __init__(self, config: RoleConfig, password: str | None) -> None:
        self.config, self.password, self.spec = config, password, config.spec
        self.mechanism = get_mechanism(self.spec.delivery.mechanism)
        self.run_id = f"{config.run_id[:33]}-probe"
        self.answers: list[ProbeAnswer] = []

    def _target(self, replica: int) -> Target:
        endpoint = self.config.endpoints[replica]
        return Target(endpoint.host, endpoint.port, self.password, self.spec.engine.database)

    def run(self) -> ProbeResult:
        started = time.time_ns()
        spec = self.spec
        listened = sorted({o.target_replica for o in spec.observers})
        written = writer_targets(self.config, 0)[0]
        replicas: list[ReplicaProbe] = []
        error = None
        try:
            for index in sorted({*listened, written}):
                replicas.append(self._server(index))
            for index in listened:
                self._delivery(index, written)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            error = f"lost the engine while probing it: {exc}"
        return ProbeResult(
            engine=spec.engine.type,
            mechanism=effective(spec.delivery).label,
            command=spec.workload.command,
            started_ns=started,
            ended_ns=time.time_ns(),
            replicas=replicas,
            answers=self.answers,
            error=error,
        )

    def _answer(self, replica: int, feature: str, told: tuple[bool, str], field: str) -> None:
        supported, answer = told
        if self.password:  # a server may echo what it was sent
            answer = answer.replace(self.password, "***")
        self.answers.append(
            ProbeAnswer(
                replica=replica, feature=feature, supported=supported, answer=answer, field=field
            )
        )

    def _server(self, index: int) -> ReplicaProbe:
        engine = get_engine(self.spec.engine.type)
        flags = self.spec.engine.notify_keyspace_events
        target = self._target(index)
        with target.client(timeout=TIMEOUT_SECONDS) as client:
            info = client.info("server")
            version = server_version(info, engine.name, getattr(engine, "version_field", None))
            hz = _config(client, "hz")
            try:
                client.config_set("notify-keyspace-events", flags)
                said = "OK"
            except redis.ResponseError as exc:
                said = str(exc)
            held = _config(client, "notify-keyspace-events", text=True)
        needed = self.mechanism.notify_classes(self.spec)
        missing = [c for c in needed if c not in classes_of(str(held or ""))]
        if needed:
            told = f"CONFIG SET {flags}: {said}; read back {held!r}"
            if missing:
                told += f"; missing {''.join(missing)}"
            self._answer(index, "notify-keyspace-events", (not missing, told), FLAGS_FIELD)
        field = "spec.delivery.variant" if self.spec.delivery.variant else "spec.delivery.mechanism"
        for feature in self.mechanism.features(effective(self.spec.delivery)):
            if feature != "notify-keyspace-events":
                name = f"{self.run_id}:{feature.replace(' ', '-').lower()}"
                self._answer(index, feature, ask(feature, target, name), field)
        return ReplicaProbe(
            index=index,
            version=version,
            hz=hz if isinstance(hz, int) else None,
            notify_keyspace_events=str(held or ""),
        )

    def _delivery(self, listen: int, write: int) -> None:
        """One write sent the run's way from ``write``, heard (or not) on ``listen``."""
        spec = probe_spec(self.spec)
        observer = spec.observers[0]
        context = ObserverContext(
            run_id=self.run_id,
            spec=spec,
            name=observer.name,
            instance=0,
            mode="sync",
            listen=self._target(listen),
            answer=self._target(write),
            handshake=False,
            deadline=time.monotonic() + DELIVERY_SECONDS,
        )
        now = time.time_ns()
        intended = now
        if spec.workload.command == "expire":
            intended = now - spec.workload.expiry.after_ms * 1_000_000 + EXPIRE_SOON_NS
        write_0 = Write(0, 0, write, intended)
        key = protocol.unique_key(spec.workload.key_prefix, self.run_id, write_0)
        receiver = self.mechanism.sync_receiver(context)
        commanded = spec.workload.command != "set"
        field = "spec.workload.command" if commanded else "spec.delivery.mechanism"
        try:
            receiver.open(TIMEOUT_SECONDS)
        except (redis.ResponseError, TimeoutError) as exc:
            told = (False, f"the observer side could not start: {exc}")
            self._answer(listen, "delivery", told, field)
            return
        try:
            item = Item(key, b"probe", spec.workload.key_ttl_seconds, EVENT_ITEM, intended)
            with self._target(write).client(timeout=TIMEOUT_SECONDS) as client:
                for command in ItemCommands(spec, self.run_id)(item):
                    client.execute_command(*command)
            told = self._heard(receiver, key.encode())
        except redis.ResponseError as exc:
            told = (False, f"the writer side was refused: {exc}")
        finally:
            receiver.close()
            self._clean(write, key)
        self._answer(listen, "delivery", told, field)

    def _clean(self, write: int, key: str) -> None:
        """The probe's key and streams go: it leaves nothing in the engine."""
        stream = protocol.run_stream(self.spec.workload.key_prefix, self.run_id)
        with self._target(write).client(timeout=TIMEOUT_SECONDS) as client:
            client.delete(key, stream, control_stream(stream))

    @staticmethod
    def _heard(receiver: SyncReceiver, key: bytes) -> tuple[bool, str]:
        deadline = time.monotonic() + DELIVERY_SECONDS
        start = time.monotonic()
        while time.monotonic() < deadline:
            for arrived, _, how in receiver.receive(0.1):
                if arrived == key and how == EVENT:
                    receiver.acknowledge()
                    return True, f"event heard after {1000 * (time.monotonic() - start):.1f} ms"
        return False, f"no event within {DELIVERY_SECONDS:g} s of the write"


def _config(client: redis.Redis, name: str, *, text: bool = False) -> int | str | None:
    try:
        found = client.config_get(name)
    except redis.ResponseError:
        return None
    value = found.get(name) if isinstance(found, dict) else None
    if value is None:
        return None
    value = value.decode() if isinstance(value, bytes) else str(value)
    if text:
        return value
    return int(value) if value.isdigit() else None
