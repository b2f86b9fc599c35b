"""Canary runs (spec.schedule) on the real control plane, the test playing the kubelet, with a
real Prometheus scraping the operator and evaluating the chart's alert rules.

One test proves it all in one due time of ``* * * * *`` (35 to 60 s after it starts, as it
waits for the first 25 seconds of a minute), with three benchmarks on the same schedule. The
canary's first run (at creation) passes, and at the due time the schedule starts its second,
whose p99 is over its threshold. The busy benchmark's first run is still going at that due
time, which is skipped and said so; it ends having lost events. After each run the alerts that
fire are exactly the expected ones, both as the rule expressions evaluated by a query and as
Prometheus's own alerts; ahead in time, "no run in two intervals" fires. The suspended one runs
once (at creation, as any benchmark), then neither starts nor skips a run.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from testkit import fake_kubelet as kubelet
from testkit import prometheus
from testkit.kube import KubeCluster, pod_names, status_of
from testkit.operator_process import OperatorProcess
from testkit.panels import assert_every_panel_answers
from testkit.support import benchmark, wait_for
from tests.controlplane.charts.chart_tools import by_kind, render
from tests.controlplane.runs.driving import (
    SPEC,
    drive_engine_ready,
    drive_subscribed,
    run_selector,
    wait_phase,
)

from kobench.api import parse_spec

CANARY = {**SPEC, "schedule": "* * * * *", "thresholds": {"p99LatencyMs": 5}}
PAUSED = {
    "schedule": "* * * * *",
    "suspend": True,
    "engine": {"replicas": 1},
    "workload": {"writes": 100, "rate": 1000, "warmupSeconds": 0},
    "observers": [{"name": "sync", "mode": "sync"}],
}
SLOW_US = [6000.0, 7000.0, 8000.0, 12000.0]
"""An observer's latencies over spec.thresholds.p99LatencyMs (5 ms)."""
ALERTS = (
    "KobenchCanaryEventsLost",
    "KobenchCanaryP99OverThreshold",
    "KobenchCanaryVerdictNotPassed",
    "KobenchCanaryNoRecentRun",
)
RUN_SECONDS = 90
LATEST_START_SECOND = 25
"""The test starts in a minute's first 25 seconds, so that the creation runs it drives end (or
are running) at least 35 s before the due time."""


def alert_rules(cluster: KubeCluster) -> dict[str, Any]:
    """The chart's PrometheusRule, rendered by Helm with the rule on: its rule groups."""
    assert by_kind(render(cluster), "PrometheusRule") == []  # opt-in
    (rule,) = by_kind(render(cluster, "metrics.prometheusRule.enabled=true"), "PrometheusRule")
    groups: dict[str, Any] = rule["spec"]
    assert [r["alert"] for r in groups["groups"][0]["rules"]] == list(ALERTS)
    return groups


def expressions(groups: dict[str, Any]) -> dict[str, str]:
    return {r["alert"]: r["expr"] for r in groups["groups"][0]["rules"]}


def run_ends(
    cluster: KubeCluster, ns: str, name: str, observers: list[str], **result: Any
) -> dict[str, Any]:
    """Every role of the current run ends; ``result``: how the first observer's document
    differs (missed events, latencies)."""
    model = parse_spec(CANARY)
    status = status_of(cluster, ns, name)
    writers = wait_for(
        "writer pods", lambda: pod_names(cluster, ns, run_selector(status, "writer"))
    )
    for index, pod in enumerate(writers):
        kubelet.mark_succeeded(cluster, ns, pod, kubelet.writer_result(model, index))
    for position, pod in enumerate(observers):
        labels = cluster.get_json("pod", pod, "-n", ns)["metadata"]["labels"]
        name_, instance = labels["kobench.io/observer"], int(labels["kobench.io/instance"])
        changes = result if position == 0 else {}
        doc = kubelet.observer_result(model, name_, instance, **changes)
        kubelet.mark_succeeded(cluster, ns, pod, doc)
    return wait_phase(cluster, ns, name, "Succeeded", "Failed")


def to_running(cluster: KubeCluster, ns: str, name: str) -> list[str]:
    drive_engine_ready(cluster, ns, name, replicas=2)
    return drive_subscribed(cluster, ns, name, expected=3)


def next_run(cluster: KubeCluster, ns: str, name: str, after: str) -> dict[str, Any]:
    """The run the schedule starts at the next due time."""

    def started() -> dict[str, Any] | None:
        status = status_of(cluster, ns, name)
        return status if status.get("runId") not in (None, after) else None

    found: dict[str, Any] = wait_for("the next scheduled run", started, timeout=RUN_SECONDS)
    return found


def fired(prom: prometheus.Prometheus, rules: dict[str, str], name: str, when: float) -> set[str]:
    """The alerts whose expression selects benchmark ``name`` at ``when``."""
    return {
        alert
        for alert, expr in rules.items()
        if any(s["metric"].get("benchmark") == name for s in prom.query_at(expr, when))
    }


def alerts_are(
    prom: prometheus.Prometheus, rules: dict[str, str], name: str, finished: str, *expected: str
) -> None:
    """Once Prometheus has scraped the run of ``name`` that ended at ``finished``, exactly
    ``expected`` fire for it: the expressions, and Prometheus's own alerts."""
    ended = calendar.timegm(time.strptime(finished, "%Y-%m-%dT%H:%M:%SZ"))
    wait_for(
        f"Prometheus to see the run of {name} that ended at {finished}",
        lambda: any(
            float(s["value"][1]) == ended
            for s in prom.query(f'kobench_run_finished_timestamp_seconds{{benchmark="{name}"}}')
        ),
        timeout=30,
    )
    assert fired(prom, rules, name, time.time()) == set(expected)
    wanted = {(alert, name) for alert in expected}
    wait_for(
        f"Prometheus's alerts {sorted(expected)} for {name}",
        lambda: {a for a in prom.firing() if a[1] == name} == wanted,
        timeout=30,
    )


def early_in_a_minute() -> None:
    """Wait, if need be, for the next minute's first second."""
    second = time.gmtime().tm_sec
    if second > LATEST_START_SECOND:
        time.sleep(61 - second)


def end_paused_run(cluster: KubeCluster, ns: str) -> dict[str, Any]:
    """The suspended benchmark's one run (at creation) passes."""
    drive_engine_ready(cluster, ns, "paused", replicas=1)
    (observer,) = drive_subscribed(cluster, ns, "paused", expected=1)
    model = parse_spec(PAUSED)
    status = status_of(cluster, ns, "paused")
    (writer,) = wait_for(
        "writer pod", lambda: pod_names(cluster, ns, run_selector(status, "writer"))
    )
    kubelet.mark_succeeded(cluster, ns, writer, kubelet.writer_result(model, 0))
    kubelet.mark_succeeded(cluster, ns, observer, kubelet.observer_result(model, "sync", 0))
    return wait_phase(cluster, ns, "paused", "Succeeded")


def skipped_due_time(cluster: KubeCluster, ns: str, name: str, run_id: str) -> dict[str, Any]:
    """The due time that came while run ``run_id`` went on: skipped, with a Warning Event."""
    skipped: dict[str, Any] = wait_for(
        "the due time skipped",
        lambda: (
            s if (s := status_of(cluster, ns, name).get("schedule", {})).get("skipped") else None
        ),
        timeout=RUN_SECONDS,
    )
    assert skipped["runs"] == 0 and skipped["lastSkippedTime"]
    assert status_of(cluster, ns, name)["runId"] == run_id
    selector = f"involvedObject.name={name},reason=ScheduleSkipped"
    (event,) = cluster.get_json("events", "-n", ns, "--field-selector", selector)["items"]
    assert event["type"] == "Warning" and (
        f"the run due at {skipped['lastSkippedTime']} was skipped: run {run_id} is "
        "still in phase" in event["message"]
    )
    return skipped


def test_a_canary_runs_on_schedule_skips_a_busy_due_time_and_alerts(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
    tmp_path: Path,
) -> None:
    cluster = crd_cluster
    ns = kube_namespace(cluster)
    groups = alert_rules(cluster)
    rules = expressions(groups)
    op = operator(cluster, ns)
    target = [f"127.0.0.1:{op.metrics_port}"]
    with prometheus.running(target, tmp_path / "prometheus", rules=groups) as prom:
        early_in_a_minute()
        cluster.apply(
            benchmark("canary", CANARY),
            benchmark("busy", CANARY),
            benchmark("paused", PAUSED),
            namespace=ns,
        )
        # The canary's first run (at creation) passes; the busy one's is still going when
        # the due time comes.
        one = run_ends(cluster, ns, "canary", to_running(cluster, ns, "canary"))
        assert one["verdict"] == "Passed", one
        busy_observers = to_running(cluster, ns, "busy")
        busy = status_of(cluster, ns, "busy")
        paused = end_paused_run(cluster, ns)
        alerts_are(prom, rules, "canary", one["finishedAt"])

        # The due time: the busy one's is skipped, the canary's second run starts; its p99
        # is over the threshold.
        skipped_due_time(cluster, ns, "busy", busy["runId"])
        second = next_run(cluster, ns, "canary", one["runId"])
        started = cluster.get_json(
            "events", "-n", ns, "--field-selector", "involvedObject.name=canary,reason=Pending"
        )["items"]
        assert any(
            e["message"].startswith(f"run {second['runId']} started (spec.schedule, due at ")
            for e in started
        ), [e["message"] for e in started]
        two = run_ends(
            cluster, ns, "canary", to_running(cluster, ns, "canary"), latencies_us=SLOW_US
        )
        assert two["verdict"] == "Failed"
        alerts_are(
            prom,
            rules,
            "canary",
            two["finishedAt"],
            "KobenchCanaryP99OverThreshold",
            "KobenchCanaryVerdictNotPassed",
        )
        # The busy run ends having lost events.
        lost = run_ends(cluster, ns, "busy", busy_observers, missed=20)
        assert lost["verdict"] == "Failed"
        alerts_are(
            prom,
            rules,
            "busy",
            lost["finishedAt"],
            "KobenchCanaryEventsLost",
            "KobenchCanaryVerdictNotPassed",
        )
        skips = prom.query('kobench_schedule_skipped_runs{benchmark="busy"}')
        assert [float(s["value"][1]) for s in skips] == [1.0]
        # Prometheus loaded every rule of the chart and evaluates it without an error.
        loaded = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        assert [(r["name"], r["health"]) for r in loaded] == [(a, "ok") for a in ALERTS]
        # The dashboard's canary row (and every other panel) answers for the canary.
        assert_every_panel_answers(prom, namespace=ns, benchmark="canary", canary=True)
        # Two intervals on, without a run: the last alert fires too (never for the suspended).
        later = fired(prom, rules, "canary", time.time() + 150)
        assert "KobenchCanaryNoRecentRun" in later
        assert not prom.query_at(
            f"({rules['KobenchCanaryNoRecentRun']}) and on (benchmark) "
            'kobench_schedule_suspended{benchmark="paused"}',
            time.time() + 150,
        )

    history = [h["runId"] for h in two["history"]]
    assert history == [second["runId"], one["runId"]]
    assert two["schedule"]["runs"] == 1 and two["schedule"]["skipped"] == 0
    assert lost["schedule"]["runs"] == 0 and lost["schedule"]["skipped"] == 1
    # The suspended benchmark started nothing more, and says it is suspended.
    now_paused = status_of(cluster, ns, "paused")
    assert now_paused["runId"] == paused["runId"] and len(now_paused["history"]) == 1
    assert now_paused["schedule"]["suspended"]
    assert now_paused["schedule"]["runs"] == now_paused["schedule"]["skipped"] == 0
    assert now_paused["schedule"]["nextScheduleTime"] == ""
