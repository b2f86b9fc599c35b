"""``spec.target``: every refusal names its field, says what to do, and never repeats a
password a URL held."""

from __future__ import annotations

from typing import Any

import pytest

from kobench.errors import SpecErrors
from kobench.plugins.checks import check_spec
from kobench.run.spec_check import spec_problems

TARGET: dict[str, Any] = {"endpoints": ["127.0.0.1:6380", "rediss://kobench@127.0.0.1:6381"]}


def problems(**spec: Any) -> dict[str, str]:
    """Field -> message of every problem of a spec with a target."""
    with pytest.raises(SpecErrors) as caught:
        check_spec({"target": TARGET, **spec})
    return {e.field: e.message for e in caught.value.errors}


def test_a_target_with_the_defaults_is_accepted_at_1000_writes_per_second() -> None:
    spec = check_spec({"target": TARGET, "workload": {"rate": 1000}})
    assert spec.target is not None and spec.target.max_rate == 1000
    assert (spec.target.write_to, spec.target.observe_on) == ("primary", "replica")
    assert not spec.target.tls.insecure_skip_verify


@pytest.mark.parametrize(
    ("engine", "field"),
    [
        ({"image": "redis:7"}, "spec.engine.image"),
        ({"port": 7000}, "spec.engine.port"),
        ({"serverThreads": 2}, "spec.engine.serverThreads"),
        ({"authSecretRef": {"name": "pw"}}, "spec.engine.authSecretRef"),
        ({"resources": {"limits": {"cpu": "1"}}}, "spec.engine.resources"),
        ({"placement": {"antiAffinity": "none"}}, "spec.engine.placement"),
        ({"replicas": 4}, "spec.engine.replicas"),
    ],
)
def test_deploying_an_engine_is_exclusive_with_a_target(engine: dict[str, Any], field: str) -> None:
    found = problems(engine=engine)
    assert list(found) == [field]
    assert "a target run deploys no engine" in found[field]


def test_the_engine_fields_a_target_run_uses_are_allowed() -> None:
    engine = {"type": "valkey", "database": 0, "replicas": 2, "notifyKeyspaceEvents": "KE$"}
    assert check_spec({"target": TARGET, "engine": engine}).engine.type == "valkey"


def test_a_rate_above_the_limit_is_refused_until_the_limit_is_raised() -> None:
    found = problems(workload={"rate": 600, "writers": 2})
    assert "1200 writes/s is above spec.target.maxRate (1000/s)" in found["spec.workload.rate"]
    raised = check_spec(
        {"target": {**TARGET, "maxRate": 1200}, "workload": {"rate": 600, "writers": 2}}
    )
    assert raised.workload.rate == 600


@pytest.mark.parametrize(
    "fault",
    [
        {"action": "pauseReplica", "replica": 0, "atSeconds": 1, "durationSeconds": 1},
        {"action": "cutReplication", "replica": 1, "atSeconds": 1, "durationSeconds": 1},
        {"action": "killObserver", "observer": "sync", "atSeconds": 1},
        {"action": "killWriter", "atSeconds": 1},
    ],
)
def test_faults_that_act_on_processes_are_refused_against_a_target(fault: dict[str, Any]) -> None:
    found = problems(faults=[fault])
    assert "refused against a target" in found["spec.faults[0].action"]


KILL = {"action": "killReplica", "replica": 1, "atSeconds": 1}


def test_dropping_subscribers_is_allowed_it_drops_only_kobenchs_own() -> None:
    fault = {"action": "dropSubscribers", "replica": 1, "atSeconds": 1}
    assert check_spec({"target": TARGET, "faults": [fault]}).faults[0].action == "dropSubscribers"


def test_killing_a_replica_needs_allow_disruption_and_the_pod_named() -> None:
    found = problems(faults=[KILL])
    assert "spec.target.allowDisruption: true" in found["spec.faults[0].action"]
    target = {**TARGET, "allowDisruption": True, "pods": ["redis-0"]}
    with pytest.raises(SpecErrors) as caught:
        check_spec({"target": target, "faults": [KILL]})
    (error,) = caught.value.errors
    assert error.field == "spec.target.pods" and "endpoint 1" in error.message
    allowed = {**target, "pods": ["redis-0", "redis-1"]}
    assert check_spec({"target": allowed, "faults": [KILL]}).target is not None


def test_a_local_run_refuses_to_kill_a_targets_pod_naming_the_fault() -> None:
    target = {**TARGET, "allowDisruption": True, "pods": ["redis-0", "redis-1"]}
    spec = {"target": target, "faults": [KILL]}
    assert spec_problems(spec, reads="configMaps") == []
    (local,) = spec_problems(spec, reads="files")
    assert local.startswith("spec.faults[0].action: killReplica of a target deletes its pod")


def test_writes_spread_over_masters_are_refused() -> None:
    assert "one endpoint" in problems(workload={"roundRobin": True})["spec.workload.roundRobin"]


@pytest.mark.parametrize(
    "endpoint", ["rediss://kobench:s3cr3t-pw@db:6380", "redis://:s3cr3t-pw@db", "http://db:1"]
)
def test_an_endpoint_with_a_password_is_refused_without_repeating_it(endpoint: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec({"target": {"endpoints": [endpoint]}})
    text = str(caught.value)
    assert "spec.target.endpoints[0]: must be host:port" in text
    assert "s3cr3t-pw" not in text


@pytest.mark.parametrize(
    ("target", "field"),
    [
        ({"writeTo": "leader"}, "spec.target.writeTo"),
        ({"observeOn": "7"}, "spec.target.observeOn"),
        ({"writeTo": "2"}, "spec.target.writeTo"),
        ({"pods": ["a", "b", "c"]}, "spec.target.pods"),
        (
            {"tls": {"caSecretRef": {"name": "a"}, "caConfigMapRef": {"name": "b"}}},
            "spec.target.tls.caConfigMapRef",
        ),
        ({"auth": {"passwordEnv": "1BAD"}}, "spec.target.auth.passwordEnv"),
        ({"maxRate": 0}, "spec.target.maxRate"),
        ({"endpoints": []}, "spec.target.endpoints"),
    ],
)
def test_target_fields_are_checked(target: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec({"target": {**TARGET, **target}})
    assert field in {e.field for e in caught.value.errors}


def test_other_mechanisms_and_commands_are_refused_against_a_target_for_now() -> None:
    """The permissions and flags a target is checked for are keyevent's on SET."""
    found = problems(delivery={"mechanism": "stream"}, workload={"command": "hset"})
    assert "keyevent is" in found["spec.delivery.mechanism"]
    assert "set is" in found["spec.workload.command"]


def test_the_engine_defaults_the_api_server_fills_in_are_accepted_with_a_target() -> None:
    defaulted = {
        "type": "keydb",
        "replicas": 3,
        "serverThreads": 1,
        "port": 6379,
        "tls": False,
        "resources": {"requests": {}, "limits": {}},
        "placement": {"nodeSelector": {}, "tolerations": [], "antiAffinity": "preferred"},
    }
    spec = check_spec({"target": TARGET, "engine": defaulted})
    assert spec.target is not None and len(spec.target.endpoints) == 2
