"""The decisions of a run against a target, as plain data: endpoints, which one is written and
which observed, the notification flags, the engine, and the spec its roles run."""

from __future__ import annotations

import pytest
from tests.unit.machine.world import World, resource

from kobench.api import BenchmarkSpec
from kobench.plugins.checks import check_spec
from kobench.run.plan import plan_run
from kobench.run.spec_check import spec_problems
from kobench.run.target import target_plan as plan
from kobench.run.target.target_plan import TargetRefused


def test_endpoints_parse_as_host_port_and_urls() -> None:
    assert plan.parse_endpoint("db:7000", 0) == plan.ParsedEndpoint("db", 7000, False, None)
    assert plan.parse_endpoint("rediss://kb@db", 1) == plan.ParsedEndpoint("db", 6379, True, "kb")
    with pytest.raises(TargetRefused, match=r"spec.target.endpoints\[2\]: holds a password"):
        plan.parse_endpoint("redis://kb:pw@db:1", 2)


def test_two_user_names_are_refused() -> None:
    spec = check_spec({"target": {"endpoints": ["rediss://a@h:1"], "auth": {"username": "b"}}})
    assert spec.target is not None
    with pytest.raises(TargetRefused, match=r"spec.target.auth.username: .*a, b"):
        plan.parse_endpoints(spec.target)


def test_the_access_carries_user_and_tls_and_says_when_verification_is_off() -> None:
    spec = check_spec(
        {
            "target": {
                "endpoints": ["rediss://kb@h:1"],
                "tls": {"caFile": "/ca.pem", "insecureSkipVerify": True},
            }
        }
    )
    assert spec.target is not None
    access = plan.access_for(spec.target, plan.parse_endpoints(spec.target))
    assert (access.username, access.tls, access.ca_file, access.verify) == (
        "kb",
        True,
        "/ca.pem",
        False,
    )


@pytest.mark.parametrize(
    ("info", "role"),
    [
        ({"role": "master", "connected_slaves": 1}, "primary"),
        ({"role": "slave"}, "replica"),
        ({"role": "master", "active_replica": 1}, "active-replica"),
    ],
)
def test_replication_roles(info: dict[str, object], role: str) -> None:
    assert plan.replication_role(info) == role


def test_the_write_and_observe_endpoints_by_role_or_index() -> None:
    roles = ["replica", "primary", "replica"]
    assert plan.choose("primary", roles, "f") == 1
    assert plan.choose("replica", roles, "f") == 0
    assert plan.choose("2", roles, "f") == 2
    assert plan.choose("replica", ["primary"], "f", fallback=0) == 0
    with pytest.raises(TargetRefused, match=r"spec.target.writeTo: 3 is not below the 3"):
        plan.choose("3", roles, "spec.target.writeTo")
    with pytest.raises(TargetRefused, match=r"spec.target.writeTo: no endpoint is a primary"):
        plan.choose("primary", ["replica"], "spec.target.writeTo")


def test_missing_flags_and_how_to_set_them() -> None:
    assert plan.missing_flags("KEA") == ""
    assert plan.missing_flags("Kx") == "E$"
    assert plan.missing_flags("KA") == "E"
    words = plan.notify_refusal("db:1", "Kx", "E$")
    assert "CONFIG SET notify-keyspace-events KxE$" in words
    assert "spec.target.allowConfigChange: true" in words
    unread = plan.notify_refusal("db:1", None)
    assert "raised no event on db:1" in unread and "CONFIG SET notify-keyspace-events KE$" in unread


@pytest.mark.parametrize(
    ("info", "engine"),
    [
        ({"redis_version": "7.2.4", "valkey_version": "8.0.1"}, "valkey"),
        ({"redis_version": "7.0.15"}, "redis"),
        ({"redis_version": "6.3.4", "active_replica": 1}, "keydb"),
    ],
)
def test_the_engine_from_info_server(info: dict[str, object], engine: str) -> None:
    assert plan.engine_type(info) == engine


def test_the_roles_spec_puts_every_key_under_the_run_prefix() -> None:
    spec = check_spec({"target": {"endpoints": ["h:1", "h:2"], "keyPrefix": "kb"}})
    assert spec.target is not None
    prefix = plan.run_prefix(spec.target, "run-1")
    assert prefix == "kb:run-1:"
    roles = plan.role_spec(spec, engine="valkey", endpoints=2, write=0, observe=1, prefix=prefix)
    workload = roles.workload
    keys = (workload.shared_key, workload.handshake_key, workload.key_prefix)
    assert all(key.startswith(prefix) for key in keys)
    assert (roles.engine.type, roles.engine.replicas, roles.workload.target_replica) == (
        "valkey",
        2,
        0,
    )
    assert {o.target_replica for o in roles.observers} == {1}
    assert roles.engine.notify_keyspace_events == "E$"  # the writer then listens on keyevent only
    assert BenchmarkSpec.model_validate(roles.model_dump(by_alias=True)).target == spec.target


def test_each_executor_reads_secrets_its_own_way() -> None:
    target = {
        "endpoints": ["h:1"],
        "auth": {"passwordSecretRef": {"name": "pw"}},
        "tls": {"caConfigMapRef": {"name": "ca"}},
    }
    local = spec_problems({"target": target}, reads="files")
    assert [p.split(":", 1)[0] for p in local] == [
        "spec.target.auth.passwordSecretRef",
        "spec.target.tls.caConfigMapRef",
    ]
    assert "auth.passwordEnv or auth.passwordFile" in local[0]
    local_only = {
        "endpoints": ["h:1"],
        "auth": {"passwordEnv": "PW", "passwordFile": "/pw"},
        "tls": {"caFile": "/ca", "certFile": "/c", "keyFile": "/k"},
    }
    cluster = spec_problems({"target": local_only}, reads="configMaps")
    assert [p.split(":", 1)[0] for p in cluster] == [
        "spec.target.auth.passwordEnv",
        "spec.target.auth.passwordFile",
        "spec.target.tls.caFile",
        "spec.target.tls.certFile",
        "spec.target.tls.keyFile",
    ]
    assert "auth.passwordSecretRef" in cluster[0] and "tls.caSecretRef" in cluster[2]
    assert spec_problems({"target": target}, reads="configMaps") == []


def test_the_plan_of_a_target_run_has_no_engine_role_to_start() -> None:
    spec = check_spec(
        {"target": {"endpoints": ["h:1", "h:2"]}, "workload": {"writers": 2, "rate": 100}}
    )
    planned = plan_run(spec)
    assert planned.replicas == ()
    assert [r.key for r in planned.measuring] == ["sync.0", "async.0", "writer.0", "writer.1"]


def test_the_operator_ends_a_target_run_with_a_local_source_as_error_naming_the_field() -> None:
    spec = {"target": {"endpoints": ["h:1"], "auth": {"passwordEnv": "PW"}}}
    world = World(res=resource(spec))
    world.step(0)
    assert world.phase() == "Error"
    assert world.status.reasons[0].startswith("spec.target.auth.passwordEnv: is read by kobench")
    assert world.started == []
