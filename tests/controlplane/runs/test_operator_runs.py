"""The operator on the real control plane, with the test playing the kubelet.

The story: apply a benchmark; the operator deploys the engine; the "kubelet" makes the engine
ready; observers appear and subscribe; the writer starts only then; every role finishes with a
result; the run ends Succeeded with a verdict, the headline numbers in ``kubectl get kob``, a
results ConfigMap, events and metrics.
"""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from testkit import fake_kubelet as kubelet
from testkit.kube import KubeCluster, get_kob, pod_names, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, free_port, wait_for

from kobench.api import parse_spec
from kobench.present.cluster_report import print_report

SPEC: dict[str, Any] = {
    "engine": {"replicas": 2},
    "workload": {"writes": 200, "rate": 1000, "warmupSeconds": 0},
    "observers": [
        {"name": "sync", "mode": "sync", "targetReplica": 1},
        {"name": "async", "mode": "async", "replicas": 2},
    ],
}


def wait_phase(
    cluster: KubeCluster, ns: str, name: str, *phases: str, timeout: float = 60
) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        status = status_of(cluster, ns, name)
        return status if status.get("phase") in phases else None

    try:
        found: dict[str, Any] = wait_for(
            f"{name} in phase {'/'.join(phases)}", probe, timeout=timeout
        )
    except pytest.fail.Exception:
        pods = cluster.get_json("pods", "-n", ns)["items"]
        seen = {p["metadata"]["name"]: p.get("status") for p in pods}
        pytest.fail(
            f"{name} never reached {phases}: status {status_of(cluster, ns, name)}\n"
            f"pods: {json.dumps(seen)[:6000]}",
            pytrace=False,
        )
    return found


def run_selector(status: dict[str, Any], component: str) -> str:
    return f"kobench.io/run-id={status['runId']},app.kubernetes.io/component={component}"


def drive_engine_ready(cluster: KubeCluster, ns: str, name: str, replicas: int) -> dict[str, Any]:
    status = wait_phase(cluster, ns, name, "WaitingForEngine")
    engine_pods = wait_for(
        "the StatefulSet's pods",
        lambda: (
            pods
            if len(pods := pod_names(cluster, ns, run_selector(status, "engine"))) == replicas
            else None
        ),
    )
    for pod in engine_pods:
        kubelet.mark_ready(cluster, ns, pod)
    return wait_phase(cluster, ns, name, "Subscribing")


def drive_subscribed(cluster: KubeCluster, ns: str, name: str, expected: int) -> list[str]:
    status = status_of(cluster, ns, name)
    observers: list[str] = wait_for(
        "observer pods",
        lambda: (
            pods
            if len(pods := pod_names(cluster, ns, run_selector(status, "observer"))) == expected
            else None
        ),
    )
    # The writer must not start before every observer is subscribed: once the operator has
    # counted all but one of them as subscribed, there is still no writer.
    for pod in observers[:-1]:
        kubelet.mark_ready(cluster, ns, pod)
    wait_for(
        f"the operator to count {expected - 1}/{expected} subscribed",
        lambda: subscribed(cluster, ns, name) == f"{expected - 1}/{expected} subscribed",
    )
    assert pod_names(cluster, ns, run_selector(status, "writer")) == []
    kubelet.mark_ready(cluster, ns, observers[-1])
    wait_phase(cluster, ns, name, "Running")
    return observers


def subscribed(cluster: KubeCluster, ns: str, name: str) -> str:
    conditions = {c["type"]: c for c in status_of(cluster, ns, name).get("conditions", [])}
    return str(conditions.get("ObserversSubscribed", {}).get("message", ""))


def seen_generation(cluster: KubeCluster, ns: str, name: str) -> dict[str, Any]:
    """Wait until the operator has made a pass over the resource's current generation."""
    generation = get_kob(cluster, ns, name)["metadata"]["generation"]

    def seen() -> dict[str, Any] | None:
        status = status_of(cluster, ns, name)
        return status if status.get("observedGeneration") == generation else None

    found: dict[str, Any] = wait_for(f"the operator to see generation {generation}", seen)
    return found


def finish_roles(
    cluster: KubeCluster, ns: str, name: str, spec: dict[str, Any], observers: list[str]
) -> None:
    model = parse_spec(spec)
    status = status_of(cluster, ns, name)
    writers: list[str] = wait_for(
        "writer pods", lambda: pod_names(cluster, ns, run_selector(status, "writer"))
    )
    for index, pod in enumerate(writers):
        kubelet.mark_succeeded(cluster, ns, pod, kubelet.writer_result(model, index))
    for pod in observers:
        labels = cluster.get_json("pod", pod, "-n", ns)["metadata"]["labels"]
        doc = kubelet.observer_result(
            model, labels["kobench.io/observer"], int(labels["kobench.io/instance"])
        )
        kubelet.mark_succeeded(cluster, ns, pod, doc)


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

    # The children the operator made, with kobench's labels and an owner reference each.
    kob = get_kob(cluster, ns, "story")
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

    observers = drive_subscribed(cluster, ns, "story", expected=3)
    pod = cluster.get_json("pod", observers[0], "-n", ns)
    args = pod["spec"]["containers"][0]["args"]
    assert args[:2] == ["role", "observer"] and "--ready-file" in args
    assert pod["spec"]["containers"][0]["readinessProbe"]["exec"]["command"] == [
        "test",
        "-f",
        "/tmp/kobench/ready",
    ]
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    finish_roles(cluster, ns, "story", SPEC, observers)
    status = wait_phase(cluster, ns, "story", "Succeeded", "Failed")
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
        "REPLICAS",
        "WRITES",
        "MISSED",
        "P50",
        "P99",
        "RTT-P99",
        "AGE",
    ]
    row = table.splitlines()[1].split()  # PROGRESS is empty for a run that is not a matrix
    assert row[1:7] == ["Succeeded", "Passed", "keydb", "2", "200", "0"]
    wide = cluster.kubectl("get", "kob", "story", "-n", ns, "-o", "wide").stdout.splitlines()[0]
    assert "RATE" in wide and "RESULTS" in wide

    events = cluster.get_json("events", "-n", ns, "--field-selector", "involvedObject.name=story")[
        "items"
    ]
    reasons = {e["reason"] for e in events}
    assert {"Deploying", "WaitingForEngine", "Subscribing", "Running", "Succeeded"} <= reasons

    metrics = wait_for(
        "metrics of the run",
        lambda: text if 'verdict="Passed"} 1.0' in (text := op.metrics()) else None,
    )
    assert f'kobench_run_writes{{benchmark="story",namespace="{ns}"}} 200.0' in metrics
    assert 'kobench_event_latency_seconds_bucket{benchmark="story"' in metrics
    assert 'le="0.00025"' in metrics
    assert 'kobench_runs_total{verdict="Passed"} 1.0' in metrics

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

    # kobench report reads the same result back and prints the local run's table.
    monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig))
    printed = io.StringIO()
    assert print_report("story", ns, output=printed) == 0
    assert "sync" in printed.getvalue() and "async" in printed.getvalue()
    as_json = io.StringIO()
    print_report("story", ns, run_id=run_id, output=as_json, as_json=True)
    assert json.loads(as_json.getvalue())["runId"] == run_id

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


def test_an_oom_killed_engine_fails_the_run_with_the_container_reason(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("oom", {**SPEC, "cleanup": "DeleteOnSuccess"}), namespace=ns)
    status = wait_phase(cluster, ns, "oom", "WaitingForEngine")
    pods = wait_for("engine pods", lambda: pod_names(cluster, ns, run_selector(status, "engine")))
    kubelet.mark_restarted_after_oom(cluster, ns, pods[0])
    status = wait_phase(cluster, ns, "oom", "Failed", "Succeeded")
    assert status["phase"] == "Failed"
    assert status["verdict"] == "Failed"
    assert "OOMKilled" in status["reasons"][0] and pods[0] in status["reasons"][0]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Complete"]["reason"] == "OOMKilled"
    warnings = cluster.get_json(
        "events", "-n", ns, "--field-selector", "involvedObject.name=oom,type=Warning"
    )["items"]
    assert any("OOMKilled" in e["message"] for e in warnings)
    # Not a success: the children stay for a post-mortem.
    assert pod_names(cluster, ns, f"kobench.io/run-id={status['runId']}")


def test_an_oom_killed_observer_fails_the_run(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("oom-observer", SPEC), namespace=ns)
    status = drive_engine_ready(cluster, ns, "oom-observer", replicas=2)
    observers = wait_for(
        "observer pods", lambda: pod_names(cluster, ns, run_selector(status, "observer"))
    )
    kubelet.mark_oom_killed(cluster, ns, observers[0])
    status = wait_phase(cluster, ns, "oom-observer", "Failed", "Succeeded")
    assert status["phase"] == "Failed"
    assert f"pod {observers[0]} container role: OOMKilled (exit code 137)" in status["reasons"][0]
    assert not pod_names(cluster, ns, run_selector(status, "writer")), "no writer after a failure"
    # Deleting the benchmark garbage-collects every child through the owner references.
    run = f"kobench.io/run-id={status['runId']}"
    assert pod_names(cluster, ns, run)
    cluster.kubectl("delete", "kob", "oom-observer", "-n", ns, "--timeout=30s")
    for kind in ("pods", "statefulsets", "services", "configmaps", "secrets"):

        def collected(kind: str = kind) -> bool:
            return not cluster.get_json(kind, "-n", ns, "-l", run)["items"]

        wait_for(f"{kind} garbage-collected", collected)


def test_a_stage_timeout_fails_the_run_naming_the_stage(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    spec = {**SPEC, "timeouts": {"engineReadySeconds": 3}, "cleanup": "Always"}
    cluster.apply(benchmark("slow", spec), namespace=ns)
    status = wait_phase(cluster, ns, "slow", "Failed", "Succeeded", timeout=40)
    assert status["phase"] == "Failed"
    assert "engine not ready within 3s" in status["reasons"][0]
    assert {c["type"]: c for c in status["conditions"]}["Complete"]["reason"] == "EngineTimeout"
    # cleanup: Always deletes the children of a failed run too.
    wait_for(
        "cleanup",
        lambda: (
            not cluster.get_json(
                "statefulset", "-n", ns, "-l", f"kobench.io/run-id={status['runId']}"
            )["items"]
        ),
    )


def test_observers_that_never_subscribe_time_out_without_a_writer(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("deaf", {**SPEC, "timeouts": {"subscribeSeconds": 3}}), namespace=ns)
    drive_engine_ready(cluster, ns, "deaf", replicas=2)
    status = wait_phase(cluster, ns, "deaf", "Failed", "Succeeded", timeout=40)
    assert status["phase"] == "Failed"
    assert status["reasons"] == ["observers not subscribed within 3s (0/3)"]
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["EngineReady"]["status"] == "True"
    assert conditions["ObserversSubscribed"]["status"] == "False"
    assert conditions["Complete"]["reason"] == "SubscribeTimeout"
    assert not pod_names(cluster, ns, run_selector(status, "writer"))


def test_changing_run_nonce_mid_run_starts_a_new_run(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("rerun", SPEC), namespace=ns)
    first = drive_engine_ready(cluster, ns, "rerun", replicas=2)
    # A spec change other than runNonce does not disturb the run in progress.
    cluster.kubectl(
        "patch",
        "kob",
        "rerun",
        "-n",
        ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"thresholds": {"p99LatencyMs": 50}}}),
    )
    seen = seen_generation(cluster, ns, "rerun")
    assert (seen["runId"], seen["phase"]) == (first["runId"], "Subscribing")
    assert seen["runGeneration"] == first["runGeneration"]
    cluster.kubectl(
        "patch",
        "kob",
        "rerun",
        "-n",
        ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"runNonce": "second"}}),
    )
    second = wait_for(
        "a new run",
        lambda: (
            s
            if (s := status_of(cluster, ns, "rerun")).get("runId") not in (None, first["runId"])
            else None
        ),
    )
    assert second["runNonce"] == "second"
    assert second["history"][0]["runId"] == first["runId"]
    assert second["history"][0]["phase"] == "Failed"
    wait_for(
        "the old run's children deleted",
        lambda: not pod_names(cluster, ns, f"kobench.io/run-id={first['runId']}"),
    )
    drive_engine_ready(cluster, ns, "rerun", replicas=2)
    observers = drive_subscribed(cluster, ns, "rerun", expected=3)
    finish_roles(cluster, ns, "rerun", SPEC, observers)
    final = wait_phase(cluster, ns, "rerun", "Succeeded", "Failed")
    assert final["verdict"] == "Passed"
    assert [h["runId"] for h in final["history"]] == [second["runId"], first["runId"]]


def test_an_operator_restarted_mid_run_finishes_it_without_duplicates(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    op = operator(cluster, ns)
    spec = {**SPEC, "cleanup": "Keep"}
    cluster.apply(benchmark("restart", spec), namespace=ns)
    status = drive_engine_ready(cluster, ns, "restart", replicas=2)
    wait_for(
        "observer pods", lambda: len(pod_names(cluster, ns, run_selector(status, "observer"))) == 3
    )
    op.stop(kill=True)
    replacement = operator(cluster, ns)
    observers = drive_subscribed(cluster, ns, "restart", expected=3)
    finish_roles(cluster, ns, "restart", spec, observers)
    final = wait_phase(cluster, ns, "restart", "Succeeded", "Failed")
    assert final["verdict"] == "Passed" and final["runId"] == status["runId"]
    assert len(final["history"]) == 1
    everything = pod_names(cluster, ns, f"kobench.io/run-id={status['runId']}")
    assert len(everything) == 2 + 3 + 1, everything  # engine, observers, one writer: no duplicates
    assert len(cluster.get_json("statefulset", "-n", ns)["items"]) == 1
    # Restarted after the run, the operator exposes the last run's metrics again.
    replacement.stop()
    again = operator(cluster, ns)
    wait_for("restored metrics", lambda: 'benchmark="restart"' in again.metrics())
    assert 'kobench_run_writes{benchmark="restart"' in again.metrics()


def test_an_invalid_spec_the_schema_cannot_catch_ends_in_error(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    cluster.apply(benchmark("unknown-engine", {"engine": {"type": "memcached"}}), namespace=ns)
    status = wait_phase(cluster, ns, "unknown-engine", "Error")
    assert "spec.engine.type" in status["reasons"][0]
    assert not cluster.get_json("statefulset", "-n", ns)["items"]
    shown = yaml.safe_load(
        cluster.kubectl("get", "kob", "unknown-engine", "-n", ns, "-o", "yaml").stdout
    )
    assert shown["status"]["phase"] == "Error"
    # Plugin rules too are checked before anything is created: no engine for an unknown mode.
    modes = {"observers": [{"name": "odd", "mode": "telepathy"}]}
    cluster.apply(benchmark("unknown-mode", modes), namespace=ns)
    status = wait_phase(cluster, ns, "unknown-mode", "Error", "WaitingForEngine", "Failed")
    assert status["phase"] == "Error", status
    assert status["reasons"][0].startswith("spec.observers[0].mode:"), status["reasons"]
    assert not cluster.get_json("statefulset", "-n", ns)["items"]
    assert not cluster.get_json("configmap", "-n", ns, "-l", "kobench.io/benchmark")["items"]


def test_operator_serves_liveness_and_logs_json(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    ns = kube_namespace(crd_cluster)
    port = free_port()
    op = operator(crd_cluster, ns, "--liveness-port", str(port), "--log-format", "json")
    health = wait_for("/healthz", lambda: _get(f"http://127.0.0.1:{port}/healthz"))
    assert health.startswith("{")  # kopf's liveness report
    crd_cluster.apply(benchmark("logs", SPEC), namespace=ns)
    wait_phase(crd_cluster, ns, "logs", "WaitingForEngine")
    lines = [line for line in op.log().splitlines() if line.strip()]
    assert lines and all(json.loads(line) for line in lines)


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return str(response.read().decode())
    except OSError:
        return None


def test_a_writer_that_could_not_write_is_named_and_the_run_does_not_wait_for_observers(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    # The writer never reached the engine, so it never set the end marker the observers wait
    # for: they keep running. The run must end soon after the drain, naming the writer's error.
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns)
    spec = {**SPEC, "timeouts": {"drainSeconds": 1}}
    cluster.apply(benchmark("mute", spec), namespace=ns)
    status = drive_engine_ready(cluster, ns, "mute", replicas=2)
    drive_subscribed(cluster, ns, "mute", expected=3)
    writer = wait_for("writer pod", lambda: pod_names(cluster, ns, run_selector(status, "writer")))
    document = json.loads(kubelet.writer_result(parse_spec(spec), 0))
    document.update(sent=0, error="lost the engine after 0 writes: Connection refused")
    kubelet.mark_succeeded(cluster, ns, writer[0], json.dumps(document))
    status = wait_phase(cluster, ns, "mute", "Succeeded", "Failed", timeout=60)
    assert status["verdict"] == "Failed", status
    reasons = " ".join(status["reasons"])
    assert "writer 0: lost the engine after 0 writes: Connection refused" in reasons
    assert "was still waiting for the writers' end marker" in reasons


def test_an_engine_replica_that_cannot_be_scheduled_is_named_while_waiting_and_at_the_end(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    # The real kube-scheduler places these pods (the default scheduler this time). No node has
    # the label the engine requires (a control plane has no node at all), so the replicas stay
    # Pending and the scheduler says why in PodScheduled.
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    operator(cluster, ns, "--scheduler-name", "default-scheduler")
    spec = {
        **SPEC,
        "engine": {
            "replicas": 2,
            "placement": {"nodeSelector": {"kobench.io/test-no-such-node": "true"}},
        },
        # Long enough for a loaded machine's controllers and scheduler to get there first.
        "timeouts": {"engineReadySeconds": 30},
        "cleanup": "Always",
    }
    cluster.apply(benchmark("crowded", spec), namespace=ns)

    def named() -> dict[str, Any] | None:
        status = status_of(cluster, ns, "crowded")
        engine = {c["type"]: c for c in status.get("conditions", [])}.get("EngineReady", {})
        return engine if engine.get("reason") == "Unschedulable" else None

    try:
        engine = wait_for("EngineReady naming an unschedulable replica", named, timeout=60)
    except pytest.fail.Exception:
        pods = cluster.get_json("pods", "-n", ns)["items"]
        seen = {p["metadata"]["name"]: p.get("status") for p in pods}
        pytest.fail(
            f"status {status_of(cluster, ns, 'crowded')}\npods: {json.dumps(seen)[:4000]}",
            pytrace=False,
        )
    assert "cannot be scheduled" in engine["message"] and "-engine-" in engine["message"]
    status = wait_phase(cluster, ns, "crowded", "Failed", "Succeeded", timeout=90)
    assert status["phase"] == "Failed"
    assert {c["type"]: c for c in status["conditions"]}["Complete"]["reason"] == "EngineTimeout"
    reason = status["reasons"][0]
    assert reason.startswith("engine not ready within 30s") and "cannot be scheduled" in reason
