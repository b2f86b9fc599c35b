"""Every query of every dashboard panel returns data from a real Prometheus that scrapes the
operator (a local process against the real API server) after a benchmark's run."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from testkit import prometheus
from testkit.chromium import assert_drawn, render
from testkit.kube import KubeCluster
from testkit.operator_process import OperatorProcess
from testkit.panels import assert_every_panel_answers
from testkit.support import benchmark
from tests.controlplane.runs.driving import (
    SPEC,
    drive_engine_ready,
    drive_subscribed,
    finish_roles,
    wait_phase,
)

from kobench.controller.run_metrics import LATENCY_BUCKETS_SECONDS
from kobench.measure.results import RunResult
from kobench.present.cluster_report import report
from kobench.present.pages.page_data import plots

NAME = "dashboard"


def bucket_around(value_s: float) -> tuple[float, float]:
    """The latency bucket (lower, upper bound in seconds) that holds a value."""
    lower = 0.0
    for upper in LATENCY_BUCKETS_SECONDS:
        if value_s <= upper:
            return lower, upper
        lower = upper
    return lower, float("inf")


def check_bucket_quantiles(prom: prometheus.Prometheus, ns: str) -> None:
    """The dashboard's p50 from the buckets falls in the bucket of the exact p50 (raw clocks:
    one host here, so nothing is corrected)."""
    selector = f'{{namespace="{ns}", benchmark="{NAME}"}}'
    exact = {
        s["metric"]["observer"]: float(s["value"][1])
        for s in prom.query(f"kobench_run_event_latency_p50_seconds{selector}")
    }
    interpolated = {
        s["metric"]["observer"]: float(s["value"][1])
        for s in prom.query(
            "histogram_quantile(0.5, sum by (observer, le) "
            f"(kobench_event_latency_seconds_bucket{selector}))"
        )
    }
    assert set(exact) == set(interpolated) == {"sync", "async"}
    for observer, value in exact.items():
        lower, upper = bucket_around(value)
        assert lower <= interpolated[observer] <= upper, (observer, value, interpolated)


def test_every_panel_query_returns_data_for_the_benchmark(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    op = operator(cluster, ns)
    with prometheus.running([f"127.0.0.1:{op.metrics_port}"], tmp_path / "prometheus") as prom:
        cluster.apply(benchmark(NAME, SPEC), namespace=ns)
        drive_engine_ready(cluster, ns, NAME, replicas=2)
        observers = drive_subscribed(cluster, ns, NAME, expected=3)
        finish_roles(cluster, ns, NAME, SPEC, observers)
        status = wait_phase(cluster, ns, NAME, "Succeeded", "Failed")
        assert status.get("verdict") == "Passed", status

        assert_every_panel_answers(prom, namespace=ns, benchmark=NAME)
        check_bucket_quantiles(prom, ns)

    # The same run's report page, read from the cluster: it shows the resource's spec too.
    monkeypatch.setenv("KUBECONFIG", str(cluster.kubeconfig))
    page, document = tmp_path / "cluster.html", io.StringIO()
    assert report([NAME], namespace=ns, output=document, as_json=True, html=page) == 0
    result = RunResult.model_validate_json(document.getvalue())
    text = page.read_text()
    assert f"run {status['runId']}" in text and "targetReplica: 1" in text
    drawn = render(page, tmp_path, name="report-cluster-run.png")
    assert_drawn(drawn, plots=len(plots([result])))
