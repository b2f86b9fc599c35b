"""Engine plugins: the server arguments they render and how they read replication state.

KeyDB cannot be installed here, so its arguments are checked as data.
"""

from __future__ import annotations

import pytest

from kobench.api import Engine as EngineSpec
from kobench.errors import SpecError
from kobench.plugins.engines import engine_names, get_engine
from kobench.roles.role_config import Endpoint

PEERS = [Endpoint(host=f"kob-{i}.kob", port=6379) for i in range(3)]


def replicaofs(args: list[str]) -> list[tuple[str, str]]:
    return [(args[i + 1], args[i + 2]) for i, a in enumerate(args) if a == "--replicaof"]


def test_keydb_replicates_every_peer_in_active_multi_master_mode() -> None:
    engine = get_engine("keydb")
    args = engine.server_args(1, PEERS, spec=EngineSpec(server_threads=4), password="pw")
    assert replicaofs(args) == [("kob-0.kob", "6379"), ("kob-2.kob", "6379")]
    first_replicaof = args.index("--replicaof")
    # KeyDB refuses replicaof before these, and drops all but the last peer without multi-master.
    assert args.index("--active-replica") < first_replicaof
    assert args.index("--multi-master") < first_replicaof
    assert args[args.index("--active-replica") + 1] == "yes"
    assert args[args.index("--multi-master") + 1] == "yes"
    assert args[args.index("--server-threads") + 1] == "4"
    assert args[args.index("--notify-keyspace-events") + 1] == "KE$"
    assert args[args.index("--requirepass") + 1] == "pw"
    assert args[args.index("--masterauth") + 1] == "pw"
    # Every peer serves a full sync to the others at once, not after the default 5 s wait.
    assert args[args.index("--repl-diskless-sync-delay") + 1] == "0"
    # A link hung on a departed pod is given up within seconds; idle links are pinged inside that.
    assert args[args.index("--repl-timeout") + 1] == "6"
    assert args[args.index("--repl-ping-replica-period") + 1] == "1"
    assert engine.write_replicas(3) == [0, 1, 2]
    assert engine.handshake_replica(2) == 2


def test_keydb_links_count_every_master_link() -> None:
    engine = get_engine("keydb")
    info = {"role": "active-replica", "master_link_status": "up", "master_1_link_status": "down"}
    state = engine.replica_state(0, "a:1", info, 3)
    assert not state.link_up and state.detail == "1/2 peer links up"
    info["master_1_link_status"] = "up"
    assert engine.replica_state(0, "a:1", info, 3).link_up


@pytest.mark.parametrize("name", ["redis", "valkey"])
def test_primary_engines_make_replica_zero_the_primary(name: str) -> None:
    engine = get_engine(name)
    primary = engine.server_args(0, PEERS, spec=EngineSpec(), password=None)
    replica = engine.server_args(2, PEERS, spec=EngineSpec(), password=None)
    assert replicaofs(primary) == []
    assert replicaofs(replica) == [("kob-0.kob", "6379")]
    assert "--requirepass" not in primary
    # A replica that connects is served its full sync at once (5 s per replica by default).
    assert primary[primary.index("--repl-diskless-sync-delay") + 1] == "0"
    assert replica[replica.index("--repl-timeout") + 1] == "6"
    assert engine.write_replicas(3) == [0]
    assert engine.handshake_replica(2) == 0
    assert engine.binary == f"{name}-server"


def test_engines_are_entry_point_plugins() -> None:
    assert {"keydb", "redis", "valkey"} <= set(engine_names())
    with pytest.raises(SpecError, match=r"spec\.engine\.type: unknown engine 'etcd'"):
        get_engine("etcd")
