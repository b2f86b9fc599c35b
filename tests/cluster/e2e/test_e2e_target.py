"""The operator measures the user's own Redis (spec.target): a primary and a replica the test
deploys from its own manifests (own_redis.py: TLS with the test's CA, an ACL user with the
documented permissions, its password in a Secret the operator never reads). A benchmark targets
its Service and is read back with ``kubectl get``: Passed, nothing lost, no key left under the
prefix, CONFIG unchanged. A second one, with allowDisruption, deletes the replica's pod: the
result reports the outage and the events lost."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from testkit.support import wait_for
from tests.cluster.e2e.bench import Installation
from tests.cluster.e2e.own_redis import NAME, OwnRedis, cli, manifests

WORKLOAD = {"rate": 200, "durationSeconds": 2, "warmupSeconds": 0.5, "keyMode": "unique"}


@pytest.fixture(scope="module")
def own_redis(installation: Installation) -> Iterator[OwnRedis]:
    redis = OwnRedis(installation.namespace)
    documents = {"apiVersion": "v1", "kind": "List", "items": manifests(redis)}
    installation.kubectl("apply", "-n", redis.namespace, "-f", "-", input=json.dumps(documents))
    wait_for("the replica linked to its primary", lambda: linked(installation), timeout=120)
    yield redis
    installation.kubectl(
        "delete", "statefulset,service", NAME, "-n", redis.namespace, "--wait=false", check=False
    )


def redis_cli(installation: Installation, pod: int, *command: str) -> str:
    out = installation.kubectl(
        "exec", "-n", installation.namespace, f"{NAME}-{pod}", "--", *cli(*command), check=False
    )
    return out.stdout if out.returncode == 0 else ""


def linked(installation: Installation) -> bool:
    return "master_link_status:up" in redis_cli(installation, 1, "INFO", "replication")


def state(installation: Installation) -> list[tuple[str, str]]:
    """(CONFIG GET *, the keys under kobench:) of both servers."""
    return [
        (redis_cli(installation, i, "CONFIG", "GET", "*"), redis_cli(installation, i, "--scan"))
        for i in range(2)
    ]


def benchmark(name: str, target: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": {"target": target, "workload": dict(WORKLOAD), **spec},
    }


def test_the_users_redis_is_measured_and_left_as_found(
    installation: Installation, own_redis: OwnRedis, record_timing: Any
) -> None:
    before = state(installation)
    assert all(config and not keys for config, keys in before), before
    clock = installation.apply(benchmark("own-redis", own_redis.target()))
    body = installation.finish(clock, timeout=150)
    record_timing("own-redis (target, 200/s, 2 s)", clock.durations())
    status = body["status"]
    assert (status["phase"], status["verdict"]) == ("Succeeded", "Passed"), status
    assert status["summary"]["missed"] == 0
    target = status["target"]
    assert (target["roles"], target["engine"]) == (["primary", "replica"], "redis")
    assert target["cleaned"] and target["keysLeft"] == 0 and target["keysRemoved"] > 0
    result = installation.results(body)
    record = result["target"]
    assert (record["tls"], record["tlsVerified"], record["username"]) == (True, True, "kobench")
    assert record["keysLeft"] == 0 and record["keysRemoved"] == target["keysRemoved"]
    assert record["maxRate"] == 1000
    assert result["engine"]["type"] == "redis" and "7." in result["engine"]["version"]
    assert all(o["received"] == o["expected"] > 0 for o in status["summary"]["observers"])
    assert state(installation) == before, "a key left, or the configuration changed"
    logs = installation.operator_logs() + json.dumps(body) + json.dumps(result)
    assert own_redis.password not in logs


def test_allow_disruption_deletes_the_replicas_pod_and_reports_the_outage(
    installation: Installation, own_redis: OwnRedis, record_timing: Any
) -> None:
    primary, replica = (installation.get("pod", f"{NAME}-{i}")["metadata"]["uid"] for i in (0, 1))
    target = own_redis.target(allowDisruption=True, pods=[f"{NAME}-0", f"{NAME}-1"])
    kill = {"action": "killReplica", "replica": 1, "atSeconds": 1}
    workload = {**WORKLOAD, "durationSeconds": 3}
    document = benchmark("own-redis-failover", target, faults=[kill], workload=workload)
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=180)
    record_timing("own-redis-failover (killReplica)", clock.durations())
    status = body["status"]
    assert status["phase"] == "Succeeded", status
    assert installation.get("pod", f"{NAME}-1")["metadata"]["uid"] != replica, "not deleted"
    result = installation.results(body)
    [fault] = result["faults"]
    assert fault["action"] == "killReplica" and fault["appliedNs"] > 0, fault
    impacts = fault["observers"]
    assert impacts and all(i["outageMs"] is None or i["outageMs"] > 0 for i in impacts), fault
    # Lost: the events of the outage (fault.lost once the outage ended within the run, else
    # every event after the kill: the observers' missed).
    assert status["summary"]["missed"] > 0, "the replica's observers lost the outage's events"
    assert fault["lost"] <= status["summary"]["missed"]
    assert status["target"]["keysLeft"] == 0
    assert installation.get("pod", f"{NAME}-0")["metadata"]["uid"] == primary, "only the named"
