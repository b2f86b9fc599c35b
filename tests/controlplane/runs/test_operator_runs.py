"""The operator on the real control plane, with the test playing the kubelet.

The story: apply a benchmark; the operator deploys the engine; the "kubelet" makes the engine
ready; observers appear and subscribe; the writer starts only then; every role finishes with a
result; the run ends Succeeded with a verdict, the headline numbers in ``kubectl get kob``, a
results ConfigMap, events and metrics; the resource stays GitOps-friendly, ``kobench report``
reads the run back, and deleting the resource takes its results and metric series with it.
(Runs that fail: ``test_operator_failures.py``; re-runs, restarts and liveness:
``test_operator_lifecycle.py``.)
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from testkit.kube import KubeCluster, get_kob, pod_names
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, wait_for
from tests.controlplane.runs.driving import (
    SPEC,
    drive_engine_ready,
    drive_subscribed,
    finish_roles,
    seen_generation,
    wait_phase,
)

from kobench.present.cluster_report import print_report


def test_a_run_goes_from_apply_to_succeeded_with_results(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    # Every pod kobench creates passes the restricted Pod Security Standard.
    cluster.kubectl(
        "label",
        "namespace",
        ns,
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/warn=restricted",
    )
    op = operator(cluster, ns)
    cluster.apply(benchmark("story", SPEC), namespace=ns)

    status = drive_engine_ready(cluster, ns, "story", replicas=2)
    run_id = status["runId"]

    kob = get_kob(cluster, ns, "story")
    check_children_carry_kobench_labels_and_an_owner(cluster, ns, kob, run_id)
    observers = drive_subscribed(cluster, ns, "story", expected=3)
    check_an_observer_pod_runs_its_role_restricted(cluster, ns, observers[0])

    finish_roles(cluster, ns, "story", SPEC, observers)
    status = wait_phase(cluster, ns, "story", "Succeeded", "Failed")
    check_the_run_passed_with_its_figures(cluster, ns, status, run_id, kob)
    check_results_table_and_events(cluster, ns, status, run_id)
    check_the_metrics_of_the_run(op, ns)
    check_the_pods_go_and_the_results_stay(cluster, ns, status, run_id)
    check_a_gitops_replace_starts_no_new_run(cluster, ns, run_id)
    check_kobench_report_reads_it_back(cluster, ns, run_id, monkeypatch)
    check_deleting_it_removes_series_and_results(cluster, ns, op, status)


def check_children_carry_kobench_labels_and_an_owner(
    cluster: KubeCluster, ns: str, kob: dict[str, Any], run_id: str
) -> None:
    """The children the operator made, with kobench's labels and an owner reference each."""
    sts = cluster.get_json("statefulset", "-n", ns, "-l", f"kobench.io/run-id={run_id}")["items"]
    assert len(sts) == 1
    statefulset = sts[0]
    assert statefulset["metadata"]["ownerReferences"][0]["uid"] == kob["metadata"]["uid"]
    assert statefulset["spec"]["replicas"] == 2
    template = statefulset["spec"]["template"]["spec"]
    container = template["containers"][0]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert "PONG" in " ".join(container["readinessProbe"]["exec"]["command"])
    assert template["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    service = cluster.get_json("service", "-n", ns, "-l", f"kobench.io/run-id={run_id}")["items"][0]
    assert service["spec"]["clusterIP"] == "None"
    secret = cluster.get_json("secret", "-n", ns, "-l", f"kobench.io/run-id={run_id}")["items"]
    assert len(secret) == 1 and "password" in secret[0]["data"]
    for child in (statefulset, service, secret[0]):
        assert set(child["metadata"]["labels"]) <= {
            "app.kubernetes.io/name",
            "app.kubernetes.io/component",
            "app.kubernetes.io/managed-by",
            "kobench.io/benchmark",
            "kobench.io/run-id",
            "kobench.io/role",
        }


def check_an_observer_pod_runs_its_role_restricted(
    cluster: KubeCluster, ns: str, observer: str
) -> None:
    pod = cluster.get_json("pod", observer, "-n", ns)
    args = pod["spec"]["containers"][0]["args"]
    assert args[:2] == ["role", "observer"] and "--ready-file" in args
    assert pod["spec"]["containers"][0]["readinessProbe"]["exec"]["command"] == [
        "test",
        "-f",
        "/tmp/kobench/ready",
    ]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True


def check_the_run_passed_with_its_figures(
    cluster: KubeCluster, ns: str, status: dict[str, Any], run_id: str, kob: dict[str, Any]
) -> None:
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] == "Passed", status.get("reasons")
    assert status["runId"] == run_id
    assert status["summary"]["writes"] == 200
    assert status["summary"]["missed"] == 0
    assert status["summary"]["p99Ms"] > 0
    assert {o["name"] for o in status["summary"]["observers"]} == {"sync", "async"}
    assert status["engine"]["version"] == "6.3.4"
    assert status["engine"]["converged"] is True
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Complete"]["status"] == "True"
    assert conditions["Passed"]["status"] == "True"
    assert conditions["Passed"]["observedGeneration"] == kob["metadata"]["generation"]
    assert [h["runId"] for h in status["history"]] == [run_id]
    assert "progress" in status.get("kopf", {}) or "last-handled-configuration" in status.get(
        "kopf", {}
    ), "kopf keeps its bookkeeping in status"
    annotations = get_kob(cluster, ns, "story")["metadata"].get("annotations") or {}
    assert not [a for a in annotations if a.startswith("kopf.zalando.org")]


def check_results_table_and_events(
    cluster: KubeCluster, ns: str, status: dict[str, Any], run_id: str
) -> None:
    results = cluster.get_json("configmap", status["resultsConfigMap"], "-n", ns)
    document = json.loads(results["data"]["result.json"])
    assert document["verdict"] == "Passed" and document["runId"] == run_id
    assert document["observers"][0]["latencyHistogram"]

    table = cluster.kubectl("get", "kob", "story", "-n", ns).stdout
    header = table.splitlines()[0].split()
    assert header == [
        "NAME",
        "PHASE",
        "VERDICT",
        "PROGRESS",
        "ENGINE",
        "MECHANISM",
        "REPLICAS",
        "WRITES",
        "MISSED",
        "P50",
        "P99",
        "RTT-P99",
        "AGE",
    ]
    row = table.splitlines()[1].split()  # PROGRESS is empty for a run that is not a matrix
    assert row[1:8] == ["Succeeded", "Passed", "keydb", "keyevent", "2", "200", "0"]
    wide = cluster.kubectl("get", "kob", "story", "-n", ns, "-o", "wide").stdout.splitlines()[0]
    assert "RATE" in wide and "RESULTS" in wide

    events = cluster.get_json("events", "-n", ns, "--field-selector", "involvedObject.name=story")[
        "items"
    ]
    reasons = {e["reason"] for e in events}
    assert {"Deploying", "WaitingForEngine", "Subscribing", "Running", "Succeeded"} <= reasons


def check_the_metrics_of_the_run(op: OperatorProcess, ns: str) -> None:
    metrics = wait_for(
        "metrics of the run",
        lambda: text if 'verdict="Passed"} 1.0' in (text := op.metrics()) else None,
    )
    assert f'kobench_run_writes{{benchmark="story",namespace="{ns}"}} 200.0' in metrics
    assert 'kobench_event_latency_seconds_bucket{benchmark="story"' in metrics
    assert 'le="0.00025"' in metrics
    assert 'kobench_runs_total{verdict="Passed"} 1.0' in metrics


def check_the_pods_go_and_the_results_stay(
    cluster: KubeCluster, ns: str, status: dict[str, Any], run_id: str
) -> None:
    # DeleteOnSuccess (the default): the run's pods go, the results stay.
    wait_for(
        "cleanup of the engine",
        lambda: (
            not cluster.get_json("statefulset", "-n", ns, "-l", f"kobench.io/run-id={run_id}")[
                "items"
            ]
        ),
    )
    wait_for(
        "cleanup of role pods", lambda: not pod_names(cluster, ns, f"kobench.io/run-id={run_id}")
    )
    cluster.get_json("configmap", status["resultsConfigMap"], "-n", ns)


def check_a_gitops_replace_starts_no_new_run(cluster: KubeCluster, ns: str, run_id: str) -> None:
    # GitOps: the file in the repository shows no drift, and replacing the finished resource
    # with it does not start a new run.
    original = json.dumps(benchmark("story", SPEC))
    diff = cluster.kubectl("diff", "-n", ns, "-f", "-", input=original, check=False)
    assert diff.returncode == 0, diff.stdout
    cluster.kubectl(
        "replace",
        "-n",
        ns,
        "-f",
        "-",
        input=json.dumps(
            {
                **benchmark("story", SPEC),
                "metadata": {
                    "name": "story",
                    "resourceVersion": get_kob(cluster, ns, "story")["metadata"]["resourceVersion"],
                },
            }
        ),
    )
    # A later spec change (not runNonce) is seen by the operator, so the replace was too.
    cluster.kubectl(
        "patch",
        "kob",
        "story",
        "-n",
        ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"thresholds": {"p99LatencyMs": 50}}}),
    )
    after = seen_generation(cluster, ns, "story")
    assert (after["runId"], after["phase"]) == (run_id, "Succeeded")


def check_kobench_report_reads_it_back(
    cluster: KubeCluster, ns: str, run_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kobench report reads the same result back and prints the local run's table.
    monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig))
    printed = io.StringIO()
    assert print_report("story", ns, output=printed) == 0
    assert "sync" in printed.getvalue() and "async" in printed.getvalue()
    as_json = io.StringIO()
    print_report("story", ns, run_id=run_id, output=as_json, as_json=True)
    assert json.loads(as_json.getvalue())["runId"] == run_id


def check_deleting_it_removes_series_and_results(
    cluster: KubeCluster, ns: str, op: OperatorProcess, status: dict[str, Any]
) -> None:
    # Deleting the benchmark removes its metric series; the results go with it (owner reference).
    cluster.kubectl("delete", "kob", "story", "-n", ns, "--timeout=30s")
    wait_for("metric series removed", lambda: 'benchmark="story"' not in op.metrics())
    wait_for(
        "results ConfigMap garbage-collected",
        lambda: (
            cluster.kubectl(
                "get", "configmap", status["resultsConfigMap"], "-n", ns, check=False
            ).returncode
            != 0
        ),
    )
