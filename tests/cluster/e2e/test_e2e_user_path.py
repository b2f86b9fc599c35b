"""The user's path on a real node: the chart installed with Helm, ``examples/cross-replica.yaml``
applied with kubectl (on Redis, which we have, and kept short), real pods, real numbers.

The writer writes on replica 0; the sync observer listens on replica 1 and the async one on
replica 2, so every event crosses a replication link. The benchmark runs once per module; each
test then reads one thing the user would read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from tests.cluster.e2e.bench import (
    Installation,
    example,
    kobench,
    schema_differences,
    short_run,
    write_yaml,
)

from kobench.measure.histograms import decode_histogram
from kobench.measure.results import RunResult
from kobench.present.run_table import render_result

NAME = "cross-replica"
QUICKSTART_LIMIT_S = 120
P99_LIMIT_MS = 250
MEASURED_WRITES = 300 * 4
"""The example asks for p99 < 50 ms; this node is 2 shared cores running the control plane, the
node, three servers and three roles, so a scheduling hiccup can reach tens of milliseconds."""


@dataclass
class ClusterRun:
    file: Path
    body: dict[str, Any]
    result: dict[str, Any]
    durations: dict[str, float]
    pods: list[dict[str, Any]]
    logs: dict[str, str]
    password: str


@pytest.fixture(scope="module")
def bench_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """examples/cross-replica.yaml on Redis, 300 writes/s for 4 s, pods kept for inspection."""
    document = short_run(
        example("cross-replica"), cleanup="Keep", thresholds={"p99LatencyMs": P99_LIMIT_MS}
    )
    assert document["spec"]["engine"]["replicas"] == 3
    assert document["spec"]["workload"]["targetReplica"] == 0
    assert [o["targetReplica"] for o in document["spec"]["observers"]] == [1, 2]
    assert {o["mode"] for o in document["spec"]["observers"]} == {"sync", "async"}
    return write_yaml(document, tmp_path_factory.mktemp("bench") / f"{NAME}.yaml")


@pytest.fixture(scope="module")
def cluster_run(installation: Installation, bench_file: Path) -> ClusterRun:
    import yaml

    document = yaml.safe_load(bench_file.read_text())
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=180)
    pods = installation.pods_of(NAME)
    logs = {}
    for pod in pods:
        name = pod["metadata"]["name"]
        logs[name] = installation.kubectl(
            "logs", "-n", installation.namespace, name, check=False
        ).stdout
    result = installation.results(body) if body["status"].get("resultsConfigMap") else {}
    return ClusterRun(
        bench_file, body, result, clock.durations(), pods, logs, installation.engine_password(NAME)
    )


@pytest.fixture(scope="module")
def local_run(
    bench_file: Path, tmp_path_factory: pytest.TempPathFactory, cluster_run: ClusterRun
) -> tuple[dict[str, Any], str]:
    """The same file with ``kobench run`` on this machine (after the cluster run, not beside
    it: two cores). Returns the result document and the printed table."""
    del cluster_run
    out = tmp_path_factory.mktemp("local") / "report.json"
    done = kobench("run", str(bench_file), "-o", str(out), "--quiet", timeout=240)
    assert done.returncode in (0, 1), f"kobench run exited {done.returncode}:\n{done.stderr}"
    return json.loads(out.read_text()), done.stdout


def test_the_run_succeeds_with_real_numbers(cluster_run: ClusterRun) -> None:
    status = cluster_run.body["status"]
    assert status["phase"] == "Succeeded", status
    assert status["verdict"] == "Passed", status.get("reasons")
    summary = status["summary"]
    # 300/s for 4 s (the second of warm-up is not counted).
    assert summary["writes"] == MEASURED_WRITES, summary
    assert summary["missed"] == 0
    assert 0 < summary["p50Ms"] <= summary["p99Ms"] < P99_LIMIT_MS
    assert summary["rttP99Ms"] > 0
    assert summary["achievedRate"] > 270
    lines = {o["name"]: o for o in summary["observers"]}
    assert {n: (o["mode"], o["targetReplica"]) for n, o in lines.items()} == {
        "sync-far": ("sync", 1),
        "async-far": ("async", 2),
    }
    for line in lines.values():
        assert line["received"] == line["expected"] > 1000, line
        assert line["p50Ms"] > 0 and line["rttP99Ms"] > 0, line
    engine = status["engine"]
    assert engine["type"] == "redis" and engine["replicas"] == 3
    assert "7.0" in engine["version"], engine
    assert [r["role"] for r in engine["replication"]] == ["master", "slave", "slave"] or [
        r["linkUp"] for r in engine["replication"]
    ] == [True, True, True], engine
    assert engine["converged"] is True, engine["convergenceDetail"]
    complete = {c["type"]: c for c in status["conditions"]}
    assert complete["Complete"]["status"] == "True"
    assert complete["Passed"]["status"] == "True"
    assert complete["EngineReady"]["status"] == "True"
    assert complete["ObserversSubscribed"]["status"] == "True"
    assert [h["runId"] for h in status["history"]] == [status["runId"]]


def test_kubectl_wait_for_ready_returns_once_a_run_ended_with_its_result(
    installation: Installation,
) -> None:
    """What ``helm install --wait`` (Helm 4), Flux and a pipeline's ``kubectl wait`` read:
    Ready, Reconciling and Stalled, each with the generation it was decided for."""
    document = short_run(example("quickstart"), name="waited", rate=100, seconds=2)
    installation.kubectl(
        "apply", "-n", installation.namespace, "-f", "-", input=json.dumps(document)
    )
    waited = installation.kubectl(
        "wait", "kob/waited", "-n", installation.namespace, "--for=condition=Ready",
        "--timeout=180s", check=False, timeout=200,
    )  # fmt: skip
    assert waited.returncode == 0, waited.stderr
    body = installation.benchmark("waited")
    status = body["status"]
    assert status["phase"] == "Succeeded", status
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Reconciling"]["status"] == "False"
    assert conditions["Stalled"]["status"] == "False"
    generation = body["metadata"]["generation"]
    assert status["observedGeneration"] == generation
    assert all(c["observedGeneration"] == generation for c in conditions.values()), conditions


def test_kubectl_get_kob_shows_the_headline_numbers(
    installation: Installation, cluster_run: ClusterRun
) -> None:
    out = installation.kubectl("get", "kob", NAME, "-n", installation.namespace).stdout
    header, row = out.strip().splitlines()
    assert header.split()[:12] == [
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
    ], out
    cells = row.split()  # PROGRESS is empty for a run that is not a matrix
    summary = cluster_run.body["status"]["summary"]
    assert cells[:8] == [
        NAME,
        "Succeeded",
        "Passed",
        "redis",
        "keyevent",
        "3",
        str(summary["writes"]),
        "0",
    ]
    assert float(cells[9]) == pytest.approx(summary["p99Ms"], rel=0.01), out
    wide = installation.kubectl(
        "get", "kob", NAME, "-n", installation.namespace, "-o", "wide"
    ).stdout
    assert "RATE" in wide.splitlines()[0]


def test_the_results_configmap_holds_the_histograms(cluster_run: ClusterRun) -> None:
    document = cluster_run.result
    assert document["benchmark"] == NAME
    assert document["runId"] == cluster_run.body["status"]["runId"]
    RunResult.model_validate(document)
    measured = MEASURED_WRITES  # the warm-up second is sent but not measured
    for observer in document["observers"]:
        latency = decode_histogram(observer["latencyHistogram"])
        assert latency.get_total_count() == measured, observer["name"]
        rtt = decode_histogram(observer["rttHistogram"])
        assert rtt.get_total_count() > 0, observer["name"]
    cells = {(c["writtenReplica"], c["observedReplica"]) for c in document["matrix"]}
    assert cells == {(0, 1), (0, 2)}, document["matrix"]


def test_the_operator_metrics_show_the_run(
    installation: Installation, cluster_run: ClusterRun
) -> None:
    samples: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(installation.metrics()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))

    def value(metric: str, **labels: str) -> float | None:
        for found, number in samples.get(metric, []):
            if all(found.get(k) == v for k, v in labels.items()):
                return number
        return None

    run = {"namespace": installation.namespace, "benchmark": NAME}
    assert value("kobench_run_verdict", **run, verdict="Passed") == 1.0
    assert value("kobench_run_verdict", **run, verdict="Failed") == 0.0
    assert value("kobench_run_writes", **run) == cluster_run.body["status"]["summary"]["writes"]
    assert value("kobench_runs_total", verdict="Passed") is not None
    for observer in cluster_run.result["observers"]:
        labels = {**run, "observer": observer["name"]}
        assert value("kobench_run_missed_events", **labels) == 0.0
        assert value("kobench_event_latency_seconds_count", **labels) == MEASURED_WRITES
        assert value("kobench_event_latency_seconds_bucket", **labels, le="+Inf") == MEASURED_WRITES
        p99 = value("kobench_run_event_latency_p99_seconds", **labels)
        assert p99 is not None and 0 < p99 < P99_LIMIT_MS / 1000
        rtt = value("kobench_handshake_rtt_seconds_count", **labels)
        assert rtt is not None and rtt > 0, labels


def _layout(table: str) -> list[str]:
    """A printed table without its numbers, digests, run id, column widths and line breaks (a
    long line wraps where its numbers' digits put it): what must be the same whichever way the
    run went, word by word."""
    text = re.sub(r"\(run [^)]*\)", "(run -)", table)
    text = re.sub(r"keys/[0-9a-f]+", "keys/H", text)
    text = re.sub(r"[+-]?\d+(\.\d+)?", "N", text)  # numbers, signed ones (offsets) too
    text = re.sub(r"([\u2500-\u257f])\1+", r"\1", text)  # box-drawing runs: column widths
    return text.split()


def test_kobench_report_prints_the_same_table_as_a_local_run(
    installation: Installation,
    cluster_run: ClusterRun,
    local_run: tuple[dict[str, Any], str],
) -> None:
    env = {**installation.cluster.env}
    report = kobench("report", NAME, "--namespace", installation.namespace, env=env)
    assert report.returncode == 0, f"kobench report exited {report.returncode}:\n{report.stderr}"
    expected = render_result(RunResult.model_validate(cluster_run.result))
    assert report.stdout == expected
    local_document, local_table = local_run
    assert local_document["verdict"] == "Passed", local_document["reasons"]
    assert _layout(report.stdout) == _layout(local_table), (report.stdout, local_table)


def test_local_and_cluster_result_documents_have_the_same_schema(
    cluster_run: ClusterRun, local_run: tuple[dict[str, Any], str]
) -> None:
    local_document, _ = local_run
    differences = list(schema_differences(local_document, cluster_run.result))
    assert differences == [], "\n".join(differences)
    # Both are what `kobench result-schema` describes.
    RunResult.model_validate(local_document)
    RunResult.model_validate(cluster_run.result)


def test_every_pod_kobench_creates_is_admitted_as_restricted(
    installation: Installation, cluster_run: ClusterRun
) -> None:
    run_id = cluster_run.body["status"]["runId"]
    roles = sorted(
        p["metadata"]["labels"].get("kobench.io/role", "engine")
        for p in cluster_run.pods
        if p["metadata"]["labels"]["kobench.io/run-id"] == run_id
    )
    assert roles == ["engine", "engine", "engine", "observer", "observer", "writer"], roles
    for pod in cluster_run.pods:
        if pod["metadata"]["labels"].get("kobench.io/role") in ("observer", "writer"):
            assert pod["status"]["phase"] == "Succeeded", pod["metadata"]["name"]
    refused = [e for e in installation.events() if "PodSecurity" in e.get("message", "")]
    assert refused == []
    # The API server re-checks every pod of the namespace against the level and warns about
    # any that would be refused.
    check = installation.kubectl(
        "label",
        "namespace",
        installation.namespace,
        "--overwrite",
        "--dry-run=server",
        "pod-security.kubernetes.io/enforce=restricted",
    )
    assert "violate" not in check.stderr.lower(), check.stderr
    namespace = installation.cluster.get_json("namespace", installation.namespace)
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_operator_runs_with_the_charts_rbac_only(
    installation: Installation, cluster_run: ClusterRun
) -> None:
    del cluster_run
    pod = installation.get("pod", installation.operator_pod())
    account = installation.service_account
    assert pod["spec"]["serviceAccountName"] == account
    who = f"system:serviceaccount:{installation.namespace}:{account}"
    ns = installation.namespace

    def can(*args: str) -> bool:
        out = installation.kubectl("auth", "can-i", *args, "--as", who, check=False)
        return out.stdout.strip() == "yes"

    assert can("patch", "keydbobserverbenchmarks.kobench.io/status", "-n", ns)
    assert can("create", "pods", "-n", ns)
    assert not can("get", "secrets", "-n", ns), "the operator must not read Secrets"
    assert not can("list", "pods", "-n", "kube-system"), "namespaced install reaches further"
    assert not can("create", "customresourcedefinitions.apiextensions.k8s.io")
    assert not can("create", "clusterrolebindings.rbac.authorization.k8s.io")
    bindings = installation.cluster.get_json("clusterrolebindings")["items"]
    bound = [
        b["metadata"]["name"]
        for b in bindings
        if any(
            s.get("name") == account and s.get("namespace") == ns for s in b.get("subjects") or []
        )
    ]
    assert bound == [], f"cluster-wide bindings for a namespaced install: {bound}"
    logs = installation.operator_logs()
    assert "forbidden" not in logs.lower(), [
        ln for ln in logs.splitlines() if "forbidden" in ln.lower()
    ][:5]


def test_the_engine_password_never_shows(
    installation: Installation, cluster_run: ClusterRun
) -> None:
    password = cluster_run.password
    assert len(password) >= 16
    ns = installation.namespace
    places = {
        "status": json.dumps(installation.benchmark(NAME)),
        "events": json.dumps(installation.events()),
        "operator logs": installation.operator_logs(),
        "metrics": installation.metrics(),
        "configmaps": json.dumps(installation.get("configmaps")),
        "pod specs": json.dumps(cluster_run.pods),
        "report": kobench(
            "report", NAME, "--namespace", ns, "--json", env=installation.cluster.env
        ).stdout,
        **{f"log of {name}": text for name, text in cluster_run.logs.items()},
    }
    leaks = [where for where, text in places.items() if password in text]
    assert leaks == [], f"the engine password shows in: {leaks}"
    assert all(cluster_run.logs.values()), "a pod printed nothing: the grep proves little"


def test_apply_to_verdict_takes_well_under_two_minutes(
    cluster_run: ClusterRun, record_timing: Any
) -> None:
    durations = cluster_run.durations
    record_timing(f"{NAME} (3 x redis, 300/s, 4 s)", durations)
    for stage in ("deploy", "engine ready", "subscribed", "run", "collect", "total"):
        assert stage in durations, f"phase timings incomplete: {durations}"
    assert durations["total"] < QUICKSTART_LIMIT_S, durations


def test_the_quickstart_example_as_is_takes_well_under_two_minutes(
    installation: Installation, record_timing: Any
) -> None:
    """examples/quickstart.yaml unchanged (one Redis server, 200 writes/s for 5 s)."""
    document = example("quickstart")
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=QUICKSTART_LIMIT_S + 30)
    durations = clock.durations()
    record_timing("quickstart (examples/, as is)", durations)
    status = body["status"]
    assert status["phase"] == "Succeeded", status
    # The example's p99 threshold may be missed on 2 shared cores; nothing else may go wrong
    # (roles on one node share its clock, so the run cannot be Invalid for a clock offset).
    assert status["verdict"] in ("Passed", "Failed"), status
    if status["verdict"] == "Failed":
        assert all("above the threshold" in r for r in status["reasons"]), status["reasons"]
    print(f"quickstart verdict {status['verdict']}: {status['reasons']}")
    assert status["summary"]["writes"] == 200 * 5 and status["summary"]["missed"] == 0
    assert durations["total"] < QUICKSTART_LIMIT_S, durations
