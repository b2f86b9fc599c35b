"""The pods of a run against spec.target: the opening reads the frozen run configuration, the
cleanup and the measuring roles the ``-target`` ConfigMap made of what the opening found; each
gets the user's password from the user's Secret, never in a ConfigMap or an argument."""

from __future__ import annotations

import json
from typing import Any

from kobench.api import parse_spec
from kobench.api.target_status import TargetStatus
from kobench.roles.role_config import RoleConfig
from kobench.run.actions import KillRole
from kobench.run.plan import Role, plan_run
from kobench.run.pods import role_manifests, target_pods
from kobench.run.pods.manifest_parts import Owner, RoleOptions
from kobench.run.pods.pod_executor import disrupted_pod
from kobench.run.pods.pod_names import RunNames, run_id_for
from kobench.run.pods.target_manifests import CA_FILE

OWNER = Owner(name="bench", namespace="ns", uid="1234")
NAMES = RunNames("bench", run_id_for("1234", "", 1))
SPEC = parse_spec(
    {
        "target": {
            "endpoints": ["redis-0.redis:6379", "rediss://redis-1.redis:6380"],
            "observeOn": "1",
            "auth": {"username": "kobench", "passwordSecretRef": {"name": "acl", "key": "pw"}},
            "tls": {"caSecretRef": {"name": "ca", "key": "ca.crt"}, "serverName": "redis"},
        }
    }
)
FOUND = TargetStatus(
    endpoints=["redis-0.redis:6379", "redis-1.redis:6380"],
    roles=["primary", "replica"],
    write_endpoint=0,
    observe_endpoint=1,
    engine="valkey",
    key_prefix="kobench:r1:",
    restore={"1": "KE"},
)


def container(pod: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = pod["spec"]["containers"][0]
    return result


def config_map_of(pod: dict[str, Any]) -> str:
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == "config")
    return str(volume["configMap"]["name"])


def password_source(pod: dict[str, Any]) -> Any:
    env = [e for e in container(pod)["env"] if e["name"] == "KOBENCH_PASSWORD"]
    return env[0]["valueFrom"]["secretKeyRef"] if env else None


def test_the_frozen_configuration_holds_the_target_endpoints_and_the_pods_files() -> None:
    config = role_manifests.role_config(NAMES, SPEC)
    assert [str(e) for e in config.endpoints] == ["redis-0.redis:6379", "redis-1.redis:6380"]
    assert config.access.username == "kobench" and config.access.tls
    assert config.access.ca_file == CA_FILE and config.access.server_name == "redis"


def test_the_opening_and_the_cleanup_pods() -> None:
    opener, closer = plan_run(SPEC).target
    opening = target_pods.build_target_role_pod(NAMES, OWNER, SPEC, opener, RoleOptions())
    closing = target_pods.build_target_role_pod(NAMES, OWNER, SPEC, closer, RoleOptions())
    assert container(opening)["args"][:2] == ["role", "target-open"]
    assert config_map_of(opening) == NAMES.run_config
    assert container(closing)["args"][:2] == ["role", "target-close"]
    assert "--opened" in container(closing)["args"]
    assert config_map_of(closing) == NAMES.target_config
    for pod in (opening, closing):
        assert password_source(pod) == {"name": "acl", "key": "pw"}
        assert any(m["mountPath"] == "/etc/kobench-target" for m in container(pod)["volumeMounts"])
        assert pod["metadata"]["name"] != NAMES.probe_pod
    assert opening["metadata"]["name"] != closing["metadata"]["name"]


def test_the_measuring_roles_run_the_spec_resolved_against_the_target() -> None:
    config_map = target_pods.build_target_config(NAMES, OWNER, SPEC, FOUND)
    assert config_map["metadata"]["name"] == NAMES.target_config
    config = RoleConfig.model_validate(json.loads(config_map["data"]["run.json"]))
    assert config.spec.engine.type == "valkey"
    assert config.spec.workload.target_replica == 0
    assert {o.target_replica for o in config.spec.observers} == {1}
    assert config.spec.workload.key_prefix.startswith("kobench:r1:")
    assert TargetStatus.model_validate_json(config_map["data"]["opened.json"]) == FOUND
    writer = role_manifests.build_writer_pod(NAMES, OWNER, SPEC, 0, RoleOptions())
    pod = target_pods.targeted(writer, NAMES, SPEC)
    assert config_map_of(pod) == NAMES.target_config
    assert password_source(pod) == {"name": "acl", "key": "pw"}
    assert Role("target-open").key == "target-open"


def test_a_kill_of_a_targets_replica_deletes_the_pod_the_spec_names_and_no_other() -> None:
    target = {
        "endpoints": ["redis-0.redis:6379", "redis-1.redis:6379"],
        "allowDisruption": True,
        "pods": ["redis-0", "redis-1"],
    }
    spec = parse_spec({"target": target})
    assert disrupted_pod(spec, KillRole(Role("replica", 1))) == "redis-1"
    assert disrupted_pod(spec, KillRole(Role("observer", 0, "sync"))) is None
    assert disrupted_pod(parse_spec({}), KillRole(Role("replica", 1))) is None, "kobench's own"
