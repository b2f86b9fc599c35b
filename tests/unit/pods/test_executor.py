"""The executor's rule: effects (Events, metrics) follow a saved status, never a failed save.

The API here is an in-memory stand-in (:class:`StatusPatchFailsOnce`), a fake on purpose: the
fault under test is a status patch failing *between* a decision and its save, which cannot be
timed against a real API server. Everything else (the machine, the manifests, the results
source, the metrics registry) is the real code.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from typing import Any

from kubernetes_asyncio.client.exceptions import ApiException
from prometheus_client import generate_latest
from testkit import fake_kubelet as kubelet
from testkit.annotation_results import AnnotationResults
from tests.unit.machine.world import SPEC, T0

from kobench.api import parse_spec
from kobench.controller.metrics import Metrics
from kobench.run.machine import QUICK_POLL_SECONDS
from kobench.run.plan import plan_run
from kobench.run.pods import role_manifests
from kobench.run.pods.kube import Kube
from kobench.run.pods.manifest_parts import Owner
from kobench.run.pods.pod_executor import reconcile
from kobench.run.pods.pod_names import RESULT_ANNOTATION, RunNames, run_id_for
from kobench.run.pods.runtime import Runtime

Obj = dict[str, Any]
RUN_ID = run_id_for("uid-1", "", 1)


class StatusPatchFailsOnce(Kube):
    """In-memory objects; ``patch_status`` fails ``failures`` times, then works."""

    def __init__(self, body: Obj, pods: list[Obj], *, failures: int = 0) -> None:
        self.body = body
        self.pods = pods
        self.failures = failures
        self.created: list[str] = []
        self.config_maps: dict[str, Obj] = {}
        self.forbid_create = False

    async def get_benchmark(self, namespace: str, name: str) -> Obj | None:
        return copy.deepcopy(self.body)

    async def patch_status(self, namespace: str, name: str, status: Obj) -> Obj:
        if self.failures:
            self.failures -= 1
            raise ApiException(status=500, reason="Internal Server Error")
        self.body["status"] = {**(self.body.get("status") or {}), **status}
        return self.body

    async def create(self, manifest: Obj) -> bool:
        if self.forbid_create:
            raise ApiException(status=403, reason="Forbidden")
        self.created.append(f"{manifest['kind']}/{manifest['metadata']['name']}")
        return True

    async def replace_config_map(self, manifest: Obj) -> None:
        self.config_maps[manifest["metadata"]["name"]] = manifest

    async def list_pods(self, namespace: str, selector: str) -> list[Obj]:
        return copy.deepcopy(self.pods)

    async def get_config_map(self, namespace: str, name: str) -> Obj | None:
        return self.config_maps.get(name)

    async def delete_config_map(self, namespace: str, name: str) -> None:
        self.config_maps.pop(name, None)

    async def delete_run(self, namespace: str, selector: str, *, keep_results: bool) -> None:
        self.pods = []


def finished_pod(name: str, document: str) -> Obj:
    return {
        "metadata": {"name": name, "namespace": "ns", "annotations": {RESULT_ANNOTATION: document}},
        "status": {"phase": "Succeeded", "containerStatuses": []},
    }


def collecting_world(failures: int) -> tuple[Runtime, StatusPatchFailsOnce, list[tuple[str, str]]]:
    spec = parse_spec(SPEC)
    names = RunNames("bench", RUN_ID)
    plan = plan_run(spec)
    pods = [
        finished_pod(names.pod(r), kubelet.observer_result(spec, r.observer, r.index))
        for r in plan.observers
    ] + [finished_pod(names.pod(r), kubelet.writer_result(spec, r.index)) for r in plan.writers]
    stamp = T0.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {
        "metadata": {"name": "bench", "namespace": "ns", "uid": "uid-1", "generation": 1},
        "spec": SPEC,
        "status": {
            "phase": "Collecting",
            "runId": RUN_ID,
            "runGeneration": 1,
            "startedAt": stamp,
            "phaseSince": stamp,
        },
    }
    kube = StatusPatchFailsOnce(body, pods, failures=failures)
    events: list[tuple[str, str]] = []
    rt = Runtime(client=kube, source=AnnotationResults(), metrics=Metrics())
    rt.specs[RUN_ID] = spec
    rt.post_event = lambda body, type_, reason, message: events.append((type_, reason))
    return rt, kube, events


def runs_counted(rt: Runtime) -> str:
    assert isinstance(rt.metrics, Metrics)
    text = generate_latest(rt.metrics.registry).decode()
    return "\n".join(line for line in text.splitlines() if line.startswith("kobench_runs_total"))


def test_a_failed_status_save_posts_no_event_and_counts_nothing() -> None:
    rt, kube, events = collecting_world(failures=1)
    now = T0 + dt.timedelta(seconds=5)
    try:
        asyncio.run(reconcile(rt, "ns", "bench", now))
    except ApiException as exc:
        assert exc.status == 500
    else:
        raise AssertionError("the failed save must reach the daemon loop (which backs off)")
    assert kube.body["status"]["phase"] == "Collecting"
    assert events == [] and runs_counted(rt) == ""
    assert f"bench-{RUN_ID[:6]}-results" in kube.config_maps  # written before the save
    # The next pass decides again, saves, and only then announces and counts: once.
    asyncio.run(reconcile(rt, "ns", "bench", now))
    assert kube.body["status"]["phase"] == "Succeeded"
    assert events == [("Normal", "Succeeded")]
    assert runs_counted(rt) == 'kobench_runs_total{verdict="Passed"} 1.0'
    asyncio.run(reconcile(rt, "ns", "bench", now + dt.timedelta(seconds=30)))
    assert events == [("Normal", "Succeeded")]
    assert runs_counted(rt) == 'kobench_runs_total{verdict="Passed"} 1.0'
    result = json.loads(kube.config_maps[f"bench-{RUN_ID[:6]}-results"]["data"]["result.json"])
    assert result["verdict"] == "Passed" and result["runId"] == RUN_ID


def test_a_forbidden_create_reaches_the_status_and_backs_off() -> None:
    rt, kube, events = collecting_world(failures=0)
    kube.body["status"] = {**kube.body["status"], "phase": "Deploying"}
    kube.forbid_create = True
    pauses = [asyncio.run(reconcile(rt, "ns", "bench", T0)) for _ in range(3)]
    status = kube.body["status"]
    assert status["phase"] == "Deploying"
    assert "cannot create ConfigMap" in status["message"] and "403 Forbidden" in status["message"]
    assert events == [("Warning", "ApiError")], "one Event, not one per pass"
    assert pauses == [4.0, 8.0, 16.0]
    kube.forbid_create = False
    # A phase just begun is looked at again soon (most stages take a second or two).
    assert asyncio.run(reconcile(rt, "ns", "bench", T0)) == QUICK_POLL_SECONDS
    assert kube.body["status"]["phase"] == "WaitingForEngine"
    assert kube.created[-1] == f"StatefulSet/bench-{RUN_ID[:6]}-engine"


def test_a_restarted_operator_judges_a_run_by_the_spec_it_started_with() -> None:
    rt, kube, _ = collecting_world(failures=0)
    frozen = rt.specs.pop(RUN_ID)  # a new operator process: nothing cached
    names = RunNames("bench", RUN_ID)
    owner = Owner("bench", "ns", "uid-1")
    run_config = role_manifests.build_run_config(names, owner, frozen)
    kube.config_maps[run_config["metadata"]["name"]] = run_config
    # Edited since the run started: a threshold the fake latencies (p99 2.4 ms) would miss.
    kube.body["spec"] = {**SPEC, "thresholds": {"p99LatencyMs": 0.5}}
    asyncio.run(reconcile(rt, "ns", "bench", T0 + dt.timedelta(seconds=5)))
    assert kube.body["status"]["phase"] == "Succeeded"
    assert kube.body["status"]["verdict"] == "Passed", kube.body["status"]["reasons"]
