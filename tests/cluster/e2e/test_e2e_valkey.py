"""The kustomize sample ``manifests/samples/valkey-unique.yaml`` on the real node: Valkey 8 (one
primary, two read-only replicas), one key per write, a fixed number of writes, and
``cleanup: Always`` (the run's pods go, the results ConfigMap stays); served with TLS only
(``engine.tls``): the operator made the run's CA, every role verified it, and the engine
refuses a client that does not speak TLS.

Then the capability probe in its pod (through TLS as well): a stream group read on a read-only
replica is an unsupported combination the engine itself refuses, told as phase Error before any
observer."""

from __future__ import annotations

import subprocess
from typing import Any

import yaml
from testkit.support import REPO, wait_for
from tests.cluster.e2e.bench import Installation, example, short_run
from tests.cluster.e2e.engine_cli import engine_pod

SAMPLE = REPO / "manifests" / "samples" / "valkey-unique.yaml"
WRITES = 1200
RATE = 300
CA = "/etc/kobench-tls/ca.crt"


def valkey_cli(
    installation: Installation, pod: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """``valkey-cli`` in the engine container (its REDISCLI_AUTH is the container's own)."""
    return installation.kubectl(
        "exec", "-n", installation.namespace, pod, "-c", "engine", "--",
        "valkey-cli", "-p", "6379", *args, check=False, timeout=30,
    )  # fmt: skip


def test_the_valkey_sample_runs_with_tls_on_both_replicas_and_cleans_up(
    installation: Installation, record_timing: Any
) -> None:
    document = yaml.safe_load(SAMPLE.read_text())
    name = document["metadata"]["name"]
    spec = document["spec"]
    assert spec["engine"]["type"] == "valkey" and spec["cleanup"] == "Always"
    spec["workload"].update({"rate": RATE, "writes": WRITES, "warmupSeconds": 1})
    spec["engine"]["tls"] = True
    clock = installation.apply(document)
    installation.wait_phase(clock, ("Subscribing", "Running"), timeout=150)
    pod = engine_pod(installation, name, 0)
    plain = valkey_cli(installation, pod, "ping")
    spoken = valkey_cli(installation, pod, "--tls", "--cacert", CA, "ping")
    print(f"TRUTH engine.tls: plaintext PING -> {plain.stdout.strip()!r} {plain.stderr.strip()!r}")
    assert "PONG" not in plain.stdout, plain  # TLS only: no plaintext port
    assert spoken.stdout.strip() == "PONG", spoken
    tls = installation.get("secret", f"{pod.removesuffix('-engine-0')}-tls")
    assert tls["type"] == "kubernetes.io/tls" and set(tls["data"]) == {
        "ca.crt",
        "tls.crt",
        "tls.key",
    }
    body = installation.finish(clock, timeout=180)
    record_timing(f"{name} (3 x valkey, TLS, {RATE}/s, {WRITES} writes)", clock.durations())
    status = body["status"]
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] == "Passed", status["reasons"]
    assert status["engine"]["type"] == "valkey" and "8." in status["engine"]["version"]
    assert status["engine"]["converged"] is True, status["engine"]["convergenceDetail"]
    assert status["summary"]["writes"] == WRITES  # measured: the warm-up second is not counted
    for line in status["summary"]["observers"]:
        assert line["mode"] == "async" and line["missed"] == 0, line
        assert line["received"] == line["expected"] == WRITES, line
    assert {o["targetReplica"] for o in status["summary"]["observers"]} == {1, 2}
    # cleanup: Always: the run's pods are deleted, its results stay.
    wait_for(
        f"the pods of {name} to be deleted",
        lambda: not installation.pods_of(name),
        timeout=90,
        every=1,
    )
    result = installation.results(body)
    assert result["verdict"] == "Passed"
    assert result["engine"]["tls"] is True  # the roles reached the servers through TLS


def test_the_probe_pod_refuses_a_stream_group_on_a_read_only_replica(
    installation: Installation, record_timing: Any
) -> None:
    name = "probe-refusal"
    document = short_run(
        example("cross-replica"),
        name=name,
        engine="valkey",
        rate=100,
        seconds=2,
        delivery={"mechanism": "stream"},
        observers=[{"name": "far", "mode": "async", "targetReplica": 1}],
    )
    document["spec"]["engine"].update({"replicas": 2, "tls": True})  # the probe verifies it too
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=150)
    record_timing("probe refusal (2 x valkey, TLS, stream group on a replica)", clock.durations())
    status = body["status"]
    print(f"TRUTH cluster probe refusal: {status.get('message')}")
    assert status["phase"] == "Error", status
    complete = next(c for c in status["conditions"] if c["type"] == "Complete")
    assert complete["reason"] == "Unsupported", complete
    told = complete["message"]
    assert told.startswith("spec.delivery.mechanism: engine valkey 8."), told
    assert "(replica 1) does not support X" in told and "stream:group" in told, told
    assert "READONLY" in told, told  # the engine's own answer
    pods = {p["metadata"]["name"] for p in installation.pods_of(name)}
    assert not any("-obs-" in p or "-writer-" in p for p in pods), pods  # nothing measured
