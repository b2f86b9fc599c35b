"""The conflict workload as data: validation, the writers' schedule, what KeyDB would get, and
the per-pair counting of the divergence detector."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.fake_clock import FakeClock

from kobench.api import BenchmarkSpec
from kobench.errors import SpecErrors
from kobench.measure import protocol
from kobench.plugins.checks import check_spec
from kobench.plugins.engines import divergence, get_engine
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.schedule import Schedule, plan_batch
from kobench.roles.writer_rules import writer_targets

CONFLICT: dict[str, Any] = {
    "engine": {"type": "keydb", "replicas": 3},
    "workload": {
        "keyMode": "unique",
        "writers": 3,
        "rate": 100,
        "writes": 50,
        "warmupSeconds": 0,
        "conflict": {"keys": 7, "settleSeconds": 2},
    },
}


def with_changes(engine: dict[str, Any] | None = None, **workload: Any) -> dict[str, Any]:
    return {
        "engine": {**CONFLICT["engine"], **(engine or {})},
        "workload": {**CONFLICT["workload"], **workload},
    }


def fields(spec: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(SpecErrors) as caught:
        check_spec(spec)
    return {e.field: str(e) for e in caught.value.errors}


def test_a_keydb_conflict_workload_is_valid_with_its_defaults() -> None:
    spec = check_spec(CONFLICT)
    assert spec.workload.conflict is not None and spec.workload.conflict.keys == 7
    default = check_spec(with_changes(conflict={}))
    assert default.workload.conflict is not None
    assert (default.workload.conflict.keys, default.workload.conflict.settle_seconds) == (1000, 5)


@pytest.mark.parametrize("engine", ["redis", "valkey"])
def test_one_primary_engines_refuse_conflict_writes_naming_the_field(engine: str) -> None:
    found = fields(with_changes({"type": engine}))
    assert set(found) == {"spec.workload.conflict"}
    assert "one primary" in found["spec.workload.conflict"]
    assert "keydb" in found["spec.workload.conflict"]


def test_conflict_writes_need_two_writers_two_masters_and_unique_keys() -> None:
    found = fields(with_changes({"replicas": 1}, writers=1, keyMode="shared"))
    assert set(found) == {"spec.workload.writers", "spec.engine.replicas", "spec.workload.keyMode"}
    assert "at least 2 writers" in found["spec.workload.writers"]
    assert "at least 2 masters" in found["spec.engine.replicas"]
    assert "keyMode unique" in found["spec.workload.keyMode"]


def test_bad_conflict_fields_are_named() -> None:
    found = fields(with_changes(conflict={"keys": 0, "settleSeconds": -1}))
    assert set(found) == {"spec.workload.conflict.keys", "spec.workload.conflict.settleSeconds"}


def config(spec: dict[str, Any]) -> RoleConfig:
    endpoints = [Endpoint(host=f"r{i}", port=6379) for i in range(spec["engine"]["replicas"])]
    return RoleConfig(run_id="run-1", spec=BenchmarkSpec.model_validate(spec), endpoints=endpoints)


def writes(cfg: RoleConfig, writer_id: int, start_wall_ns: int) -> dict[int, Any]:
    """Per write: (replica, conflict key, its value decoded), from the planned batch."""
    workload = cfg.spec.workload
    clock = FakeClock()
    clock.advance(0.01 * writer_id)  # writers start a moment apart; the agreed start holds
    schedule = Schedule.starting_at(
        clock, start_wall_ns, rate=workload.rate, total=workload.total_writes, warmup=0
    )
    targets = writer_targets(cfg, writer_id)
    batch = plan_batch(workload, cfg.run_id, writer_id, targets, schedule, 0, workload.total_writes)
    conflict_prefix = protocol.conflict_key_prefix(workload.key_prefix, cfg.run_id)
    unique_prefix = protocol.unique_key_prefix(workload.key_prefix, cfg.run_id)
    out: dict[int, Any] = {}
    for replica, items in batch.items():
        for key, value, ttl, *_ in items:
            assert ttl == workload.key_ttl_seconds
            if key.startswith(conflict_prefix):
                write = protocol.decode_value(value)
                assert write is not None
                out[write.seq] = (replica, key, write)
            else:
                event = protocol.decode_unique_key(key, unique_prefix)
                assert event is not None and event.replica == replica  # one event key per write
    return out


@pytest.mark.parametrize("round_robin", [False, True])
def test_writers_write_the_same_keys_at_the_same_instants_on_different_masters(
    round_robin: bool,
) -> None:
    cfg = config(with_changes(roundRobin=round_robin))
    start = 1_700_000_000_123_000_000
    per_writer = [writes(cfg, w, start) for w in range(3)]
    assert all(len(w) == 50 for w in per_writer)
    for n in range(50):
        replicas = {w[n][0] for w in per_writer}
        keys = {w[n][1] for w in per_writer}
        instants = {w[n][2].intended_ns for w in per_writer}
        authors = {w[n][2].writer for w in per_writer}
        assert len(replicas) == 3, f"write {n}: three writers on three masters"
        assert keys == {protocol.conflict_key("kobench", "run-1", n, 7)}
        assert instants == {start + protocol.schedule_offset_ns(n, 100)}
        assert authors == {0, 1, 2}, "each writer's own value"
    if not round_robin:
        assert [writer_targets(cfg, w) for w in range(3)] == [[0], [1], [2]]


def test_conflict_keys_are_not_events_and_other_modes_are_unchanged() -> None:
    key = protocol.conflict_key("kobench", "run-1", 3, 7)
    assert not key.startswith(protocol.unique_key_prefix("kobench", "run-1"))
    assert not protocol.conflict_start_key("kobench", "run-1").startswith(
        protocol.conflict_key_prefix("kobench", "run-1")
    )
    plain = config({"engine": {"type": "keydb", "replicas": 3}, "workload": {"keyMode": "unique"}})
    schedule = Schedule.starting_now(FakeClock(), rate=1000, total=10, warmup=0)
    batch = plan_batch(plain.spec.workload, "run-1", 0, [0], schedule, 0, 10)
    assert list(batch) == [0] and len(batch[0]) == 10
    assert writer_targets(plain, 1) == [0]


def test_keydb_gets_a_full_active_mesh_and_plain_sets_with_expiry_on_each_master() -> None:
    cfg = config(CONFLICT)
    engine = get_engine("keydb")
    for index in range(3):
        args = engine.server_args(index, cfg.endpoints, spec=cfg.spec.engine, password=None)
        first_replicaof = args.index("--replicaof")
        assert args.index("--active-replica") < first_replicaof
        assert args.index("--multi-master") < first_replicaof
        peers = [args[i + 1] for i, a in enumerate(args) if a == "--replicaof"]
        assert peers == [f"r{p}" for p in range(3) if p != index]
    assert engine.write_replicas(3) == [0, 1, 2]
    schedule = Schedule.starting_at(FakeClock(), 10**18, rate=100, total=2, warmup=0)
    batch = plan_batch(cfg.spec.workload, "run-1", 2, writer_targets(cfg, 2), schedule, 0, 2)
    assert list(batch) == [2], "writer 2 writes on master 2 only"
    keys = [item.key for item in batch[2]]
    assert keys[1] == "kobench.conflict:run-1:k:0" and keys[3] == "kobench.conflict:run-1:k:1"


def test_the_detector_counts_differing_keys_per_pair_with_examples() -> None:
    same = {b"k:1": b"a", b"k:2": b"b", b"k:3": b"c"}
    snapshots = [same, {**same, b"k:2": b"x"}, {b"k:1": b"a", b"k:2": b"x"}]
    pairs = divergence.compare(snapshots)
    assert [(p.a, p.b, p.differing) for p in pairs] == [(0, 1, 1), (0, 2, 2), (1, 2, 1)]
    assert pairs[1].examples == ["k:2", "k:3"]
    found = divergence.report(snapshots, settle_seconds=5, waited_seconds=5.1, checked_ns=7)
    assert found.checked and not found.converged and found.keys_compared == 3
    assert found.differing == 2 and found.settle_seconds == 5 and found.checked_ns == 7
    assert "0-1: 1, 0-2: 2, 1-2: 1" in found.detail and "5.1s after the writes" in found.detail
    calm = divergence.report([same, same], settle_seconds=5, waited_seconds=0, checked_ns=1)
    assert calm.converged and "same 3 keys" in calm.detail
    many = {f"k:{n:03}".encode(): b"v" for n in range(20)}
    assert divergence.compare([many, {}])[0].examples == [f"k:{n:03}" for n in range(5)]
