"""What a delivery run asks of KeyDB, as data: KeyDB cannot run here, so the commands its servers
are given and asked, and how its answers are told, are checked without it. What KeyDB shares
with Redis and Valkey runs for real in the engine tier."""

from __future__ import annotations

from typing import Any

import pytest

from kobench.api import parse_spec
from kobench.api.cel_delivery import DELIVERY_RULES
from kobench.measure.results.probe_docs import ProbeAnswer, ProbeResult, ReplicaProbe
from kobench.plugins.checks import spec_problems
from kobench.plugins.engines import get_engine
from kobench.plugins.engines.engine_protocol import engine_lacks
from kobench.plugins.engines.inspect import server_version
from kobench.plugins.engines.keydb import KeyDBEngine
from kobench.plugins.mechanism_checks import delivery_errors
from kobench.plugins.mechanisms import effective, get_mechanism
from kobench.plugins.mechanisms.commands import write_commands
from kobench.roles.role_config import Endpoint

PEERS = [Endpoint(host=f"kob-{i}.kob", port=6379) for i in range(3)]
KEYDB_INFO = {"redis_version": "6.3.4", "redis_mode": "standalone", "os": "Linux"}
"""What KeyDB 6.3.4's INFO server says of its version (no keydb_version field)."""
ASKED = [
    ({"mechanism": "keyevent"}, ("notify-keyspace-events",)),
    ({"mechanism": "keyspace"}, ("notify-keyspace-events",)),
    ({"mechanism": "publish"}, ("SUBSCRIBE",)),
    ({"mechanism": "spublish"}, ("SSUBSCRIBE",)),
    ({"mechanism": "tracking"}, ("HELLO 3", "CLIENT TRACKING")),
    ({"mechanism": "tracking", "variant": "redirect"}, ("CLIENT TRACKING REDIRECT",)),
    ({"mechanism": "stream"}, ("XADD", "XREADGROUP")),
    ({"mechanism": "stream", "variant": "plain"}, ("XADD", "XREAD")),
]


def keydb_spec(**spec: Any) -> Any:
    return parse_spec({"engine": {"type": "keydb", "replicas": 3}, **spec})


@pytest.mark.parametrize(("delivery", "features"), ASKED, ids=[str(d) for d, _ in ASKED])
def test_keydb_is_asked_for_what_each_mechanism_sends(
    delivery: dict[str, str], features: tuple[str, ...]
) -> None:
    spec = keydb_spec(delivery=delivery, workload={"keyMode": "unique"})
    assert delivery_errors(spec) == []  # nothing refused before the probe asks
    mechanism = get_mechanism(delivery["mechanism"])
    assert mechanism.features(effective(spec.delivery)) == features


def test_keydb_without_sharded_pubsub_is_refused_naming_its_own_version() -> None:
    version = server_version(KEYDB_INFO, "keydb", KeyDBEngine.version_field)
    assert version == "keydb 6.3.4"  # KeyDB's own number, in redis_version
    answer = (
        "unknown command `SSUBSCRIBE`, with args beginning with: `kobench.r-probe:ssubscribe`, "
    )
    probe = ProbeResult(
        engine="keydb",
        mechanism="spublish",
        command="set",
        started_ns=1,
        ended_ns=2,
        replicas=[ReplicaProbe(index=i, version=version, hz=10) for i in (0, 1)],
        answers=[
            ProbeAnswer(
                replica=0,
                feature="SSUBSCRIBE",
                supported=False,
                answer=answer,
                field="spec.delivery.mechanism",
            ),
            ProbeAnswer(
                replica=1,
                feature="SSUBSCRIBE",
                supported=False,
                answer=answer,
                field="spec.delivery.mechanism",
            ),
        ],
    )
    assert probe.refusals() == [
        f"spec.delivery.mechanism: engine keydb 6.3.4 (replica {i}) does not support SSUBSCRIBE "
        f"for mechanism spublish, command set: {answer}"
        for i in (0, 1)
    ]


def test_every_keydb_replica_takes_the_event_classes_the_command_needs() -> None:
    spec = keydb_spec(
        engine={"type": "keydb", "replicas": 3, "notifyKeyspaceEvents": "KEA"},
        workload={"keyMode": "unique", "command": "expire"},
    )
    engine = get_engine("keydb")
    for index in range(3):
        args = engine.server_args(index, PEERS, spec=spec.engine, password="pw")
        assert args[args.index("--notify-keyspace-events") + 1] == "KEA"
    # KeyDB 6.3 has PXAT (Redis 6.2's): an expiring key is one SET, due at a known instant.
    assert write_commands("expire", "k", b"v", 0, due_at_ms=1_700_000_000_100) == [
        ("SET", "k", b"v", "PXAT", 1_700_000_000_100)
    ]
    lacking = keydb_spec(
        engine={"type": "keydb", "replicas": 3, "notifyKeyspaceEvents": "KE$"},
        workload={"keyMode": "unique", "command": "expire"},
    )
    (error,) = delivery_errors(lacking)
    assert error.field == "spec.engine.notifyKeyspaceEvents"
    assert "x (expired events)" in error.message


def test_keydb_with_sharded_pubsub_is_refused_before_anything_starts() -> None:
    """KeyDB 6.3 (its last release) has no SPUBLISH/SSUBSCRIBE: known without a probe."""
    problems = spec_problems({"engine": {"type": "keydb"}, "delivery": {"mechanism": "spublish"}})
    (error,) = problems[1]
    assert error.field == "spec.delivery.mechanism"
    assert error.message.startswith("engine keydb has no sharded pub/sub (SPUBLISH/SSUBSCRIBE")
    assert "KeyDB 6.3" in error.message and "needs SSUBSCRIBE" in error.message
    for engine in ("redis", "valkey"):
        spec, errors = spec_problems(
            {"engine": {"type": engine}, "delivery": {"mechanism": "spublish"}}
        )
        assert spec is not None and errors == []
    spec, errors = spec_problems(
        {"engine": {"type": "keydb"}, "delivery": {"mechanism": "publish"}}
    )
    assert spec is not None and errors == []


def test_a_matrix_cell_of_keydb_and_sharded_pubsub_is_named() -> None:
    _, errors = spec_problems(
        {"engine": {"type": "keydb"}, "matrix": {"mechanisms": ["publish", "spublish"]}}
    )
    assert [e.field for e in errors] == ["spec.delivery.mechanism"]
    assert errors[0].message.startswith("in matrix cell mechanism=spublish: engine keydb has no")


def test_the_crd_states_the_rule_with_a_reason_the_api_server_accepts() -> None:
    (rule,) = [r for r in DELIVERY_RULES if "'spublish')" in str(r["rule"])]
    assert rule["fieldPath"] == ".delivery.mechanism"
    assert rule["reason"] == "FieldValueForbidden"
    assert "engine keydb" in rule["message"] and "sharded pub/sub" in rule["message"]
    # The rule reads engine.type with its default (keydb) and names only what KeyDB lacks.
    assert "'keydb')" in rule["rule"] and "self.engine.type" in rule["rule"]
    assert set(engine_lacks(get_engine("keydb"))) == {"SSUBSCRIBE"}
    assert not engine_lacks(get_engine("redis")) and not engine_lacks(get_engine("valkey"))
