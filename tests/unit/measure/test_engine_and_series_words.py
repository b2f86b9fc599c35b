"""Facts in the words a user reads: the worst second counts missed events, KeyDB says it is
KeyDB, and convergence names what was wrong (the replication state's detail, not the role)."""

from __future__ import annotations

from typing import Any

from kobench.measure.results import Convergence, EngineFacts
from kobench.measure.series import ObserverSecond, worst_second
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.inspect import server_version
from kobench.roles.readback import with_replication

# INFO of a real KeyDB 6.3.4 active replica with one of its two peer links down (the fields
# kobench reads, as KeyDB prints them: its own version only as redis_version).
KEYDB_INFO: dict[str, Any] = {
    "redis_version": "6.3.4",
    "redis_git_sha1": "00000000",
    "redis_mode": "standalone",
    "role": "active-replica",
    "master_host": "kob-1.kob",
    "master_port": 6379,
    "master_link_status": "up",
    "master_1_host": "kob-2.kob",
    "master_1_port": 6379,
    "master_1_link_status": "down",
    "connected_slaves": 2,
}
DIGEST = "2100 keys/0d21aa9f3e5b7c10"


def test_the_worst_second_is_the_one_that_lost_events_and_says_how_many() -> None:
    series = [
        ObserverSecond(t=3, events=1000, p50_ms=5.0, p99_ms=40.0, max_ms=45.0),
        ObserverSecond(t=5, events=757, missed=243, p50_ms=0.3, p99_ms=2.0, max_ms=3.0),
        ObserverSecond(t=6, events=1000, p50_ms=0.3, p99_ms=0.6, max_ms=0.9),
    ]
    worst = worst_second(series)
    assert worst is not None and (worst.t, worst.missed) == (5, 243)
    # A second whose every event was lost has no latency at all, and is still the worst.
    gone = [*series, ObserverSecond(t=7, missed=1000)]
    worst = worst_second(gone)
    assert worst is not None and (worst.t, worst.missed, worst.p99_ms) == (7, 1000, None)
    # Without a loss, the highest latency.
    calm = [s.model_copy(update={"missed": 0}) for s in series]
    worst = worst_second(calm)
    assert worst is not None and worst.t == 3


def test_keydb_reports_its_own_version_from_redis_version() -> None:
    keydb = get_engine("keydb")
    field = getattr(keydb, "version_field", None)
    assert server_version(KEYDB_INFO, keydb.name, field) == "keydb 6.3.4"
    # Valkey names itself; Redis is Redis.
    valkey_info = {"redis_version": "7.2.4", "valkey_version": "8.0.1"}
    assert server_version(valkey_info, "valkey") == "valkey 8.0.1"
    assert server_version({"redis_version": "7.0.15"}, "redis") == "redis 7.0.15"


def facts(*infos: dict[str, Any]) -> EngineFacts:
    keydb = get_engine("keydb")
    states = [
        keydb.replica_state(i, f"kob-{i}.kob:6379", info, len(infos))
        for i, info in enumerate(infos)
    ]
    return EngineFacts(type="keydb", version="keydb 6.3.4", replicas=len(infos), replication=states)


def all_links_up() -> dict[str, Any]:
    return {**KEYDB_INFO, "master_1_link_status": "up"}


def test_identical_replicas_converged_and_the_note_names_the_links_down() -> None:
    read = Convergence(checked=True, converged=True, detail=f"every replica holds {DIGEST}")
    judged = with_replication(read, facts(KEYDB_INFO, all_links_up(), KEYDB_INFO))
    assert judged.checked and judged.converged, judged
    assert judged.detail.startswith(f"every replica holds {DIGEST}")
    assert "replica 0: 1/2 peer links up" in judged.detail
    assert "replica 2: 1/2 peer links up" in judged.detail
    assert "replica 1" not in judged.detail.split(";")[1]  # its links were up
    assert "active-replica" not in judged.detail


def test_differing_replicas_with_a_link_down_are_not_checked_and_the_cause_is_named() -> None:
    differed = f"replica 0: {DIGEST}, replica 1: 2050 keys/77aa, replica 2: {DIGEST}"
    read = Convergence(checked=True, converged=False, detail=differed)
    judged = with_replication(read, facts(all_links_up(), KEYDB_INFO, all_links_up()))
    assert not judged.checked and not judged.converged
    assert "replica 1: 1/2 peer links up" in judged.detail
    assert differed in judged.detail
    assert "active-replica" not in judged.detail
    # Every link up: the read-back stands as it was.
    whole = facts(all_links_up(), all_links_up(), all_links_up())
    assert with_replication(read, whole) == read


def test_an_unreachable_replica_is_named_with_its_error() -> None:
    read = Convergence(checked=True, converged=False, detail="replica 0: 1 keys/a, replica 1: 0")
    engine = facts(all_links_up(), all_links_up())
    unreachable = engine.replication[1].model_copy(
        update={"role": "unreachable", "link_up": False, "detail": "Connection refused"}
    )
    engine = engine.model_copy(update={"replication": [engine.replication[0], unreachable]})
    judged = with_replication(read, engine)
    assert not judged.checked and "replica 1: Connection refused" in judged.detail


def test_the_engine_line_names_the_server_once() -> None:
    assert EngineFacts(type="keydb", version="keydb 6.3.4", replicas=3).server == "keydb 6.3.4"
    assert EngineFacts(type="redis", version="redis 7.0.15", replicas=1).server == "redis 7.0.15"
    mixed = EngineFacts(type="redis", version="valkey 8.0.1", replicas=1)
    assert mixed.server == "redis (valkey 8.0.1)"
    assert EngineFacts(type="keydb", replicas=1).server == "keydb"
