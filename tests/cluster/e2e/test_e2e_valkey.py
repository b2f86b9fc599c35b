"""The kustomize sample ``manifests/samples/valkey-unique.yaml`` on the real node: Valkey 8 (one
primary, two read-only replicas), one key per write, a fixed number of writes, and
``cleanup: Always`` (the run's pods go, the results ConfigMap stays)."""

from __future__ import annotations

from typing import Any

import yaml
from testkit.support import REPO, wait_for
from tests.cluster.e2e.bench import Installation

SAMPLE = REPO / "manifests" / "samples" / "valkey-unique.yaml"
WRITES = 1200
RATE = 300


def test_the_valkey_sample_runs_on_both_replicas_and_cleans_up(
    installation: Installation, record_timing: Any
) -> None:
    document = yaml.safe_load(SAMPLE.read_text())
    name = document["metadata"]["name"]
    spec = document["spec"]
    assert spec["engine"]["type"] == "valkey" and spec["cleanup"] == "Always"
    spec["workload"].update({"rate": RATE, "writes": WRITES, "warmupSeconds": 1})
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=180)
    record_timing(f"{name} (3 x valkey, {RATE}/s, {WRITES} writes)", clock.durations())
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
    assert installation.results(body)["verdict"] == "Passed"
