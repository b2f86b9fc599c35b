"""Ground truth in the cluster: a known fault injected into a real run, and the figure kobench
reported for it. The same truths as the engine tier's ``tests/engine/test_truth.py``, through the
doors a user has: CLIENT PAUSE and CLIENT KILL through ``redis-cli`` in the engine pod
(``kubectl exec``), and an engine pod deleted under its observer.

Every run has ``timeouts.runSeconds`` set, so an unhandled fault shows up as a timeout in the
status, never as a test that hangs.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.e2e.bench import Installation, example, short_run

pytestmark = pytest.mark.cluster


def _engine_pod(installation: Installation, name: str, index: int) -> str:
    pods: list[str] = [
        p["metadata"]["name"]
        for p in installation.pods_of(name)
        if p["metadata"]["name"].endswith(f"-engine-{index}")
    ]
    assert len(pods) == 1, pods
    return pods[0]


def _redis_cli(installation: Installation, name: str, index: int, *command: str) -> str:
    password = installation.engine_password(name)
    done = installation.kubectl(
        "exec",
        "-n",
        installation.namespace,
        _engine_pod(installation, name, index),
        "-c",
        "engine",
        "--",
        "redis-cli",
        "--no-auth-warning",
        "-a",
        password,
        *command,
    )
    return done.stdout.strip()


def _one_replica(name: str, **spec: Any) -> dict[str, Any]:
    document = short_run(
        example("quickstart"),
        name=name,
        rate=200,
        seconds=6,
        cleanup="Keep",
        timeouts={"runSeconds": 90, "drainSeconds": 3},
        **spec,
    )
    document["spec"]["engine"]["replicas"] = 1
    document["spec"]["workload"]["warmupSeconds"] = 0
    return document


def _run_with(installation: Installation, document: dict[str, Any], *fault: str) -> dict[str, Any]:
    """Apply, wait two seconds into the writes, inject ``fault`` on replica 0, read the result."""
    name = document["metadata"]["name"]
    clock = installation.apply(document)
    installation.wait_phase(clock, ("Running",), timeout=150)
    time.sleep(2.0)
    print(f"{name}: {' '.join(fault)} -> {_redis_cli(installation, name, 0, *fault)}")
    body = installation.finish(clock, timeout=150)
    status = body["status"]
    print(f"{name}: {status['phase']} {status.get('verdict')}: {status['reasons']}")
    assert status["phase"] == "Succeeded", status
    return body


def test_a_paused_engine_shows_its_pause_as_latency_and_fails_the_threshold(
    installation: Installation,
) -> None:
    pause_ms = 1500
    document = _one_replica("truth-pause", thresholds={"maxLatencyMs": 1000})
    body = _run_with(installation, document, "CLIENT", "PAUSE", str(pause_ms), "ALL")
    assert body["status"]["verdict"] == "Failed", body["status"]
    result = installation.results(body)
    for observer in result["observers"]:
        assert observer["latencyMs"]["max"] >= 0.95 * pause_ms, observer["latencyMs"]
        assert observer["missed"] == 0, observer
    assert max(s["maxLagMs"] for s in result["writers"]["series"]) >= 0.9 * pause_ms


def test_killed_subscriptions_are_outages_and_every_write_is_accounted_for(
    installation: Installation,
) -> None:
    document = _one_replica("truth-kill")
    body = _run_with(installation, document, "CLIENT", "KILL", "TYPE", "pubsub")
    status = body["status"]
    assert status["verdict"] == "Failed", status
    assert any("lost its connection" in r for r in status["reasons"]), status["reasons"]
    result = installation.results(body)
    sent = result["writers"]["sent"]
    assert sent == 1200
    for observer in result["observers"]:
        assert observer["received"] + observer["missed"] == sent, observer
        assert observer["duplicates"] == 0, observer
        (outage,) = observer["outages"]
        assert outage["endedNs"] > outage["startedNs"], outage
        assert outage["missed"] == observer["missed"], outage


def test_an_engine_pod_deleted_under_its_observer_is_an_outage_and_never_converged(
    installation: Installation,
) -> None:
    name = "truth-pod"
    document = short_run(
        example("cross-replica"),
        name=name,
        rate=300,
        seconds=20,
        cleanup="Keep",
        thresholds={},
        timeouts={"runSeconds": 150, "drainSeconds": 5},
    )
    clock = installation.apply(document)
    installation.wait_phase(clock, ("Running",), timeout=150)
    time.sleep(3)
    installation.kubectl(
        "delete",
        "pod",
        "-n",
        installation.namespace,
        "--wait=false",
        _engine_pod(installation, name, 1),
    )
    body = installation.finish(clock, timeout=200)
    status = body["status"]
    print(f"{name}: {status['phase']} {status.get('verdict')}: {status['reasons']}")
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] != "Passed", status
    result = installation.results(body)
    far = next(o for o in result["observers"] if o["name"] == "sync-far")
    assert far["outages"], far  # the observer on replica 1 lost it and says when
    assert far["received"] + far["missed"] == far["expected"], far
    assert any(o["endedNs"] for o in far["outages"]), far  # it came back with the replica
    # Replication state and convergence were read together: never "unreachable" and "converged".
    down = [r for r in result["engine"]["replication"] if not r["linkUp"]]
    assert not (down and result["convergence"]["converged"]), (down, result["convergence"])
