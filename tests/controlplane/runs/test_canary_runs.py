"""Canary runs (spec.schedule) on the real control plane, the test playing the kubelet, with a
real Prometheus scraping the operator and evaluating the chart's alert rules.

One test proves it all in three due times of ``* * * * *`` (150 to 210 s, by the second it
starts at; 190 s measured): the first run
(at creation) is still going when the first due time comes, which is skipped and said so; it
ends having lost events; the next two due times start two runs, one that passes and one whose
p99 is over its threshold. After each run the alerts that fire are exactly the expected ones,
both as the rule expressions evaluated by a query and as Prometheus's own alerts; ahead in time,
"no run in two intervals" fires. A second benchmark on the same schedule but suspended runs
once (at creation, as any benchmark), then neither starts nor skips a run meanwhile.
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


def fired(prom: prometheus.Prometheus, rules: dict[str, str], when: float) -> set[str]:
    """The alerts whose expression selects the canary at ``when``."""
    return {
        alert
        for alert, expr in rules.items()
        if any(s["metric"].get("benchmark") == "canary" for s in prom.query_at(expr, when))
    }


def alerts_are(
    prom: prometheus.Prometheus, rules: dict[str, str], finished: str, *expected: str
) -> None:
    """Once Prometheus has scraped the run that ended at ``finished``, exactly ``expected``
    fire for the canary: the expressions, and Prometheus's own alerts."""
    ended = calendar.timegm(time.strptime(finished, "%Y-%m-%dT%H:%M:%SZ"))
    wait_for(
        f"Prometheus to see the run that ended at {finished}",
        lambda: any(
            float(s["value"][1]) == ended
            for s in prom.query('kobench_run_finished_timestamp_seconds{benchmark="canary"}')
        ),
        timeout=30,
    )
    assert fired(prom, rules, time.time()) == set(expected)
    wanted = {(alert, "canary") for alert in expected}
    wait_for(
        f"Prometheus's alerts {sorted(expected)}",
        lambda: {a for a in prom.firing() if a[1] == "canary"} == wanted,
        timeout=30,
    )


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
        cluster.apply(benchmark("canary", CANARY), benchmark("paused", PAUSED), namespace=ns)

        # The suspended benchmark's one run (at creation).
        drive_engine_ready(cluster, ns, "paused", replicas=1)
        (observer,) = drive_subscribed(cluster, ns, "paused", expected=1)
        model = parse_spec(PAUSED)
        status = status_of(cluster, ns, "paused")
        (writer,) = wait_for(
            "writer pod", lambda: pod_names(cluster, ns, run_selector(status, "writer"))
        )
        kubelet.mark_succeeded(cluster, ns, writer, kubelet.writer_result(model, 0))
        kubelet.mark_succeeded(cluster, ns, observer, kubelet.observer_result(model, "sync", 0))
        paused = wait_phase(cluster, ns, "paused", "Succeeded")

        # Run 1 (at creation) is still going when the first due time comes: skipped.
        observers = to_running(cluster, ns, "canary")
        first = status_of(cluster, ns, "canary")
        skipped = wait_for(
            "the due time skipped",
            lambda: (
                s
                if (s := status_of(cluster, ns, "canary").get("schedule", {})).get("skipped")
                else None
            ),
            timeout=RUN_SECONDS,
        )
        assert skipped["runs"] == 0 and skipped["lastSkippedTime"]
        assert status_of(cluster, ns, "canary")["runId"] == first["runId"]
        events = cluster.get_json(
            "events",
            "-n",
            ns,
            "--field-selector",
            "involvedObject.name=canary,reason=ScheduleSkipped",
        )["items"]
        (event,) = events
        assert event["type"] == "Warning" and (
            f"the run due at {skipped['lastSkippedTime']} was skipped: run {first['runId']} is "
            "still in phase" in event["message"]
        )
        one = run_ends(cluster, ns, "canary", observers, missed=20)
        assert one["verdict"] == "Failed"
        alerts_are(
            prom,
            rules,
            one["finishedAt"],
            "KobenchCanaryEventsLost",
            "KobenchCanaryVerdictNotPassed",
        )
        skips = prom.query('kobench_schedule_skipped_runs{benchmark="canary"}')
        assert [float(s["value"][1]) for s in skips] == [1.0]

        # Run 2 at the next due time passes: nothing fires.
        second = next_run(cluster, ns, "canary", first["runId"])
        assert "spec.schedule, due at" in second["message"]
        two = run_ends(cluster, ns, "canary", to_running(cluster, ns, "canary"))
        assert two["verdict"] == "Passed", two
        alerts_are(prom, rules, two["finishedAt"])

        # Run 3: its p99 is over the threshold.
        third = next_run(cluster, ns, "canary", second["runId"])
        three = run_ends(
            cluster, ns, "canary", to_running(cluster, ns, "canary"), latencies_us=SLOW_US
        )
        assert three["verdict"] == "Failed"
        alerts_are(
            prom,
            rules,
            three["finishedAt"],
            "KobenchCanaryP99OverThreshold",
            "KobenchCanaryVerdictNotPassed",
        )
        # Prometheus loaded every rule of the chart and evaluates it without an error.
        loaded = [r for g in prom.api("rules")["groups"] for r in g["rules"]]
        assert [(r["name"], r["health"]) for r in loaded] == [(a, "ok") for a in ALERTS]
        # The dashboard's canary row (and every other panel) answers for the canary.
        assert_every_panel_answers(prom, namespace=ns, benchmark="canary", canary=True)
        # Two intervals on, without a run: the last alert fires too (never for the suspended).
        later = fired(prom, rules, time.time() + 150)
        assert "KobenchCanaryNoRecentRun" in later
        assert not prom.query_at(
            f"({rules['KobenchCanaryNoRecentRun']}) and on (benchmark) "
            'kobench_schedule_suspended{benchmark="paused"}',
            time.time() + 150,
        )

    history = [h["runId"] for h in three["history"]]
    assert history == [third["runId"], second["runId"], first["runId"]]
    assert three["schedule"]["runs"] == 2 and three["schedule"]["skipped"] == 1
    # The suspended benchmark started nothing more, and says it is suspended.
    now_paused = status_of(cluster, ns, "paused")
    assert now_paused["runId"] == paused["runId"] and len(now_paused["history"]) == 1
    assert now_paused["schedule"]["suspended"]
    assert now_paused["schedule"]["runs"] == now_paused["schedule"]["skipped"] == 0
    assert now_paused["schedule"]["nextScheduleTime"] == ""
