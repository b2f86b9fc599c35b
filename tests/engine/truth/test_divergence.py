"""Ground truth for the per-pair divergence report: real redis-server processes, a replica made
writable (``CONFIG SET replica-read-only no``) and different values written into it; the report
must count exactly the keys made to differ, per pair of replicas.

KeyDB (where conflicting writes diverge on their own) cannot run here; Redis with a writable
replica produces the same end state for real: replicas that hold different values for one key.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
import redis
from testkit.support import wait_for

from kobench.api import BenchmarkSpec
from kobench.measure import protocol
from kobench.measure.results import WriterResult, merge_run
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.inspect import connect, inspect_engine, replication_ready
from kobench.roles.readback import check_divergence, engine_snapshot
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.writer import Writer
from kobench.run.local.processes import ProcessGroup, free_ports

RUN_ID = "divergence-test"
KEYS = 200


@dataclass
class Servers:
    endpoints: list[Endpoint]
    password: str
    group: ProcessGroup

    def client(self, index: int) -> redis.Redis:
        return connect(self.endpoints[index], self.password)


def start_servers(directory: Path, *, replicated: bool) -> Servers:
    """Three redis-servers (password in a private config file): a primary and two read-only
    replicas, or three standalone servers that share nothing."""
    engine = get_engine("redis")
    spec = BenchmarkSpec.model_validate({"engine": {"type": "redis", "replicas": 3}}).engine
    password = secrets.token_hex(16)
    endpoints = [Endpoint(host="127.0.0.1", port=p) for p in free_ports(3)]
    group = ProcessGroup(directory)
    for index in range(3):
        data = directory / f"replica-{index}"
        data.mkdir()
        conf = data / "auth.conf"
        conf.write_text(f"requirepass {password}\nmasterauth {password}\n")
        conf.chmod(0o600)
        if replicated:
            args = engine.server_args(index, endpoints, spec=spec, password=None)
        else:
            args = engine.server_args(0, [endpoints[index]], spec=spec, password=None)
        group.start(
            f"replica-{index}",
            ["redis-server", str(conf), *args, "--bind", "127.0.0.1", "--dir", str(data)],
        )
    servers = Servers(endpoints, password, group)
    try:
        if replicated:
            wait_for(
                "replication up",
                lambda: replication_ready(inspect_engine(engine, endpoints, password)),
                timeout=30,
                every=0.2,
            )
        for index in range(3):
            wait_for(f"server {index} up", partial(answers, servers, index), timeout=30, every=0.1)
    except BaseException:
        group.stop_all()
        raise
    return servers


def answers(servers: Servers, index: int) -> bool:
    try:
        with servers.client(index) as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _running(tmp_path: Path, *, replicated: bool) -> Iterator[Servers]:
    running = start_servers(tmp_path, replicated=replicated)
    try:
        yield running
    finally:
        running.group.stop_all()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    yield from _running(tmp_path, replicated=True)


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[Servers]:
    yield from _running(tmp_path, replicated=False)


def conflict_config(servers: Servers, settle: float = 0.5) -> RoleConfig:
    spec = BenchmarkSpec.model_validate(
        {
            "engine": {"type": "redis", "replicas": 3},
            "workload": {"keyMode": "unique", "writers": 2, "conflict": {"settleSeconds": settle}},
        }
    )
    return RoleConfig(run_id=RUN_ID, spec=spec, endpoints=servers.endpoints)


def key(n: int) -> str:
    return protocol.conflict_key("kobench", RUN_ID, n, KEYS)


def write_everywhere(servers: Servers) -> None:
    """Every conflict key on the primary, then wait until both replicas hold all of them."""
    with servers.client(0) as primary:
        pipe = primary.pipeline(transaction=False)
        for n in range(KEYS):
            pipe.set(key(n), f"primary-{n}")
        pipe.execute()
    pattern = protocol.conflict_key_prefix("kobench", RUN_ID) + "*"

    def synced(index: int) -> bool:
        with servers.client(index) as replica:
            return len(list(replica.scan_iter(match=pattern, count=1000))) == KEYS

    for index in (1, 2):
        wait_for(f"replica {index} synced", partial(synced, index), timeout=10, every=0.1)


def diverge(servers: Servers, index: int, values: dict[int, str]) -> None:
    """Make replica ``index`` writable and write ``values`` into it (a value None: delete)."""
    with servers.client(index) as replica:
        replica.config_set("replica-read-only", "no")
        for n, value in values.items():
            replica.set(key(n), value)


def test_the_report_counts_exactly_the_keys_made_to_differ_per_pair(servers: Servers) -> None:
    write_everywhere(servers)
    # Truth: replica 1 differs from the primary on keys 0-9 (10 keys); replica 2 on keys 5-19
    # (15 keys), with replica 1's own value on keys 5-7, so 1 and 2 agree there.
    diverge(servers, 1, {n: f"one-{n}" for n in range(10)})
    diverge(servers, 2, {n: (f"one-{n}" if n in (5, 6, 7) else f"two-{n}") for n in range(5, 20)})
    began = time.monotonic()
    facts, convergence = engine_snapshot(conflict_config(servers, settle=0.5), servers.password)
    assert time.monotonic() - began >= 0.5  # differing keys: it waited the settle time
    assert convergence.checked and not convergence.converged, convergence.detail
    counts = {(p.a, p.b): p.differing for p in convergence.pairs}
    # 1 vs 2: keys 0-4 (only 1 changed), 8-9 (1 and 2 differently), 10-19 (only 2): 17.
    assert counts == {(0, 1): 10, (0, 2): 15, (1, 2): 17}
    assert convergence.keys_compared == KEYS
    assert convergence.settle_seconds == 0.5
    assert convergence.checked_ns > 0
    examples = {(p.a, p.b): p.examples for p in convergence.pairs}
    assert examples[(0, 1)] == sorted(key(n) for n in range(10))[:5]
    assert "0-1: 10, 0-2: 15, 1-2: 17" in convergence.detail
    assert all(s.link_up for s in facts.replication)


def test_identical_replicas_converge_at_once_and_a_missing_key_differs(servers: Servers) -> None:
    write_everywhere(servers)
    began = time.monotonic()
    _, convergence = engine_snapshot(conflict_config(servers, settle=30.0), servers.password)
    assert time.monotonic() - began < 10  # no difference: no need to wait the settle time
    assert convergence.converged and convergence.checked, convergence.detail
    assert [p.differing for p in convergence.pairs] == [0, 0, 0]
    assert convergence.keys_compared == KEYS
    with servers.client(2) as replica:
        replica.config_set("replica-read-only", "no")
        replica.delete(key(3))
    _, convergence = engine_snapshot(conflict_config(servers, settle=0.2), servers.password)
    counts = {(p.a, p.b): p.differing for p in convergence.pairs}
    assert counts == {(0, 1): 0, (0, 2): 1, (1, 2): 1}
    assert convergence.pairs[1].examples == [key(3)]


def test_diverged_keys_fail_the_run_and_a_dead_replica_is_not_checked(servers: Servers) -> None:
    write_everywhere(servers)
    diverge(servers, 1, {0: "other"})
    config = conflict_config(servers, settle=0.2)
    facts, convergence = engine_snapshot(config, servers.password)
    client = {"python": "3", "redisPy": "8", "hiredis": False, "host": "h"}
    writer = WriterResult.model_validate(
        {"writerId": 0, "targetReplicas": [0], "startedNs": 1, "endedNs": 2, "client": client}
    )
    result = merge_run(
        benchmark="t",
        run_id=RUN_ID,
        spec=config.spec,
        writers=[writer],
        observers=[],
        engine=facts,
        convergence=convergence,
        started_ns=1,
        finished_ns=2,
    )
    assert result.verdict == "Failed"
    assert any("replicas did not converge" in r and "0-1: 1" in r for r in result.reasons)
    # Replica 2 dies: whatever it held, convergence is "not checked", never "converged".
    servers.group.children[2].process.kill()
    servers.group.children[2].process.wait(timeout=10)
    _, convergence = engine_snapshot(config, servers.password)
    assert not convergence.checked and not convergence.converged
    assert "read-back failed" in convergence.detail


def test_two_real_writers_agree_on_one_start_and_write_each_key_at_one_instant(
    standalone: Servers,
) -> None:
    """The writer's conflict mode for real: two writers (the role's own code) on two servers
    that share nothing, as two KeyDB masters would be before their writes replicate. Each key
    then holds, on each server, that writer's value for the same write at the same instant."""
    writes, keys = 300, 50
    spec = BenchmarkSpec.model_validate(
        {
            "engine": {"type": "keydb", "replicas": 3},  # what validation refuses on Redis
            "workload": {
                "keyMode": "unique",
                "writers": 2,
                "rate": 1000,
                "writes": writes,
                "warmupSeconds": 0.1,
                "conflict": {"keys": keys, "settleSeconds": 0.2},
            },
            "observers": [{"name": "sync", "mode": "sync", "handshake": False}],
        }
    )
    config = RoleConfig(run_id=RUN_ID, spec=spec, endpoints=standalone.endpoints)
    results: dict[int, WriterResult] = {}

    def run(writer_id: int) -> None:
        results[writer_id] = Writer(config, writer_id, standalone.password).run()

    threads = [threading.Thread(target=run, args=(w,)) for w in (1, 0)]
    for thread in threads:
        thread.start()
        time.sleep(0.3)  # the second writer starts late: it must still use the agreed start
    for thread in threads:
        thread.join(timeout=60)
    assert {w: r.error for w, r in results.items()} == {0: None, 1: None}
    assert [results[w].target_replicas for w in (0, 1)] == [[0], [1]]
    assert results[0].measured_start_ns == results[1].measured_start_ns
    total = writes + 100
    last = {n % keys: n for n in range(total)}  # the last write of each key
    with standalone.client(0) as zero, standalone.client(1) as one:
        for k, n in last.items():
            key = protocol.conflict_key("kobench", RUN_ID, k, keys)
            a, b = protocol.decode_value(zero.get(key)), protocol.decode_value(one.get(key))
            assert a is not None and b is not None
            assert (a.writer, a.replica, b.writer, b.replica) == (0, 0, 1, 1)
            assert a.seq == b.seq == n and a.intended_ns == b.intended_ns
    convergence = check_divergence(config, standalone.password)
    counts = {(p.a, p.b): p.differing for p in convergence.pairs}
    assert counts == {(0, 1): keys, (0, 2): keys, (1, 2): keys}
    assert not convergence.converged and convergence.keys_compared == keys
