"""One lifecycle: the same benchmark files through both executors, ``kobench run`` (processes on
this machine) and the operator (pods in the cluster), reach the same phases, conditions, verdicts
and reasons, and their result documents have the same shape and say the same things (run ids,
times and measured values aside).

The cases are the lifecycle's paths: a calm run, a fault schedule (a pause sent by the injector,
an observer killed by the executor), a child that fails before anything is measured (an engine
that cannot start: ``/bin/false`` locally, an image without the server in the cluster), a run past
its time limit, a matrix, and a run held to a baseline. Each case runs in the cluster while the
same file runs on this machine, one case after another.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cluster.e2e.bench import (
    KOBENCH_IMAGE_TAG,
    Installation,
    schema_differences,
)

from kobench.api import parse_benchmark
from kobench.api.status_terms import PHASES
from kobench.run.local.local_executor import LocalOptions
from kobench.run.local.local_loop import LocalOutcome, run_locally

CALM: dict[str, Any] = {
    "engine": {"type": "redis", "replicas": 1},
    "workload": {"rate": 200, "durationSeconds": 2, "warmupSeconds": 0},
    "observers": [{"name": "sync", "mode": "sync"}, {"name": "async", "mode": "async"}],
    "thresholds": {"p99LatencyMs": 5000, "allowSaturation": True},
    # Both executors run at once on two cores: the story is the point here, not the figures.
    "validity": {"maxRateShortfallPercent": 60, "maxClockOffsetMs": 1000},
    "timeouts": {"drainSeconds": 2},
}
CASES: dict[str, dict[str, Any]] = {
    "calm": CALM,
    "faults": {
        **CALM,
        "engine": {"type": "redis", "replicas": 2},
        "workload": {"rate": 200, "durationSeconds": 3, "warmupSeconds": 0},
        "observers": [
            {"name": "near", "mode": "async"},
            {"name": "far", "mode": "sync", "targetReplica": 1, "replicas": 2},
        ],
        "faults": [
            {"atSeconds": 1, "action": "pauseReplica", "replica": 0, "durationSeconds": 0.3},
            {"atSeconds": 1.5, "action": "killObserver", "observer": "far", "instance": 1},
        ],
        "thresholds": {"p99LatencyMs": 5000, "faults": {"maxOutageMs": 60000}},
    },
    # The kobench image has no redis-server: the engine's container exits at once (no pull).
    "failed-child": {**CALM, "engine": {"type": "redis", "image": f"kobench:{KOBENCH_IMAGE_TAG}"}},
    # The writer stops at the limit and announces it; the observers drain; then the verdict.
    "timeout": {
        **CALM,
        "workload": {"rate": 200, "durationSeconds": 8, "warmupSeconds": 0},
        "timeouts": {"drainSeconds": 2, "runSeconds": 3},
    },
    "matrix": {**CALM, "matrix": {"observerModes": ["sync", "async"], "repetitions": 1}},
}
CONDITION_REASONS_LEFT_OUT = {"Passed": "", "Complete": ""}


def document(case: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": f"one-{case}"},
        "spec": spec,
    }


def local(case: str, spec: dict[str, Any], base_dir: Path) -> LocalOutcome:
    binaries = {"": "/bin/false"} if case == "failed-child" else {}
    options = LocalOptions(server_binaries=binaries, base_dir=base_dir)
    return run_locally(parse_benchmark(document(case, spec)), options=options)


def subject(reason: str) -> str:
    """What a reason is about, before its executor's details (a pod's container state, a
    process's exit code): the text before the first colon."""
    return reason.split(":", 1)[0]


def story(status: dict[str, Any], phases: set[str]) -> dict[str, Any]:
    """What both executors must agree on: phases, conditions, verdict and reasons."""
    return {
        "phases": sorted(phases, key=list(PHASES).index),
        "phase": status.get("phase"),
        "verdict": status.get("verdict"),
        "conditions": sorted(
            (c["type"], c["status"], c["reason"]) for c in status.get("conditions") or []
        ),
        "reasons": [subject(r) for r in status.get("reasons") or []],
    }


def local_story(outcome: LocalOutcome) -> dict[str, Any]:
    status: dict[str, Any] = outcome.status.model_dump(by_alias=True, mode="json")
    return story(status, {e.reason for e in outcome.events if e.reason in PHASES})


def cluster_story(installation: Installation, name: str, status: dict[str, Any]) -> dict[str, Any]:
    events = installation.get("events", "--field-selector", f"involvedObject.name={name}")
    seen = {e["reason"] for e in events["items"] if e["reason"] in PHASES}
    return story(status, seen)


def said(result: dict[str, Any]) -> dict[str, Any]:
    """What a result document says besides measured values: who took part and how it ended."""
    return {
        "benchmark": result["benchmark"],
        "verdict": result["verdict"],
        "reasons": [subject(r) for r in result["reasons"]],
        "observers": [
            (o["name"], o["mode"], o["instances"], o["targetReplica"]) for o in result["observers"]
        ],
        "engine": (result["engine"]["type"], result["engine"]["replicas"]),
        "faults": [
            (f["index"], f["action"], f["appliedAtSeconds"] is not None) for f in result["faults"]
        ],
        "convergence": result["convergence"]["checked"],
    }


def cluster_result(installation: Installation, status: dict[str, Any]) -> dict[str, Any] | None:
    name = status.get("resultsConfigMap")
    if not name or status.get("phase") != "Succeeded":
        return None
    data = installation.get("configmap", name)["data"]
    text = data.get("result.json") or data.get("comparison.json")
    found: dict[str, Any] = json.loads(text)
    return found


def baseline_case(calm: LocalOutcome, tmp_path: Path, installation: Installation) -> dict[str, Any]:
    """The calm run as a baseline: a file for ``kobench run``, a ConfigMap for the operator."""
    assert calm.result is not None
    text = calm.result.model_dump_json(by_alias=True)
    (tmp_path / "baseline.json").write_text(text)
    installation.kubectl(
        "create", "configmap", "one-baseline-source", "-n", installation.namespace,
        f"--from-literal=result.json={text}",
    )  # fmt: skip
    return {**CALM, "baseline": {"p99Ratio": 50, "p99PlusMs": 100, "p50Ratio": 50}}


def with_source(spec: dict[str, Any], *, file: bool) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    source = (
        {"resultFile": "baseline.json"} if file else {"resultsConfigMap": "one-baseline-source"}
    )
    spec["baseline"] = {**spec["baseline"], **source}
    return spec


@pytest.mark.timeout(900)
def test_both_executors_tell_the_same_story_of_every_path(
    installation: Installation, tmp_path: Path
) -> None:
    locally = {"calm": local("calm", CALM, tmp_path)}
    cases = {**CASES, "baseline": baseline_case(locally["calm"], tmp_path, installation)}
    for case, spec in cases.items():
        cluster_spec = with_source(spec, file=False) if case == "baseline" else spec
        clock = installation.apply(document(case, cluster_spec))
        if case not in locally:
            local_spec = with_source(spec, file=True) if case == "baseline" else spec
            locally[case] = local(case, local_spec, tmp_path)
        status = installation.finish(clock, timeout=300)["status"]
        outcome = locally[case]
        print(f"{case}: local {outcome.status.phase}/{outcome.status.verdict} "
              f"{outcome.status.reasons}, cluster {status.get('phase')}/"
              f"{status.get('verdict')} {status.get('reasons')}")  # fmt: skip
        assert local_story(outcome) == cluster_story(installation, f"one-{case}", status), case
        local_document = outcome.comparison or outcome.result
        remote = cluster_result(installation, status)
        assert (local_document is None) == (remote is None), case
        if local_document is None or remote is None:
            continue
        mine = json.loads(local_document.model_dump_json(by_alias=True))
        assert list(schema_differences(mine, remote)) == [], case
        if case != "matrix":
            assert said(mine) == said(remote), case
