"""The Grafana dashboard asks only for series that kobench.controller.metrics exports."""

from __future__ import annotations

import copy

from testkit.dashboard_queries import (
    DASHBOARD,
    KUSTOMIZE_COPY,
    Selector,
    concrete,
    exported,
    load,
    problems,
    queries,
    selectors,
)
from tests.unit.pods.test_status_and_metrics import run_result

from kobench.api.schedule_status import ScheduleStatus
from kobench.controller.metrics import Metrics
from kobench.controller.run_metrics import LATENCY_BUCKETS_SECONDS
from kobench.measure.results.fault_docs import FaultResult
from kobench.run.actions import RunRecord


def operator_series() -> dict[str, set[str]]:
    """What the operator's /metrics shows once a benchmark has finished a run."""
    cut = FaultResult(
        index=0,
        action="cutReplication",
        target="replica 1",
        at_seconds=1.0,
        applied_at_seconds=1.0,
        resync_ms=12.0,
        worst_outage_ms=900.0,
    )
    result = run_result().model_copy(update={"faults": [cut]})
    metrics = Metrics()
    record = RunRecord(
        phase="Succeeded",
        verdict="Passed",
        result=result,
        finished_at="2026-01-01T12:00:00Z",
        p99_threshold_ms=5.0,
    )
    metrics.run_finished("ns", "b", record)
    schedule = ScheduleStatus(
        expression="*/5 * * * *", next_schedule_time="2026-01-01T12:05:00Z", interval_seconds=300
    )
    metrics.schedule("ns", "b", schedule)
    return exported(metrics.registry)


def test_every_panel_queries_exported_series_and_labels() -> None:
    dashboard = load()
    assert len(queries(dashboard)) >= 12
    assert problems(dashboard, operator_series()) == []


def test_a_panel_asking_for_a_series_that_does_not_exist_is_caught() -> None:
    dashboard = copy.deepcopy(load())
    panel = next(p for p in dashboard["panels"] if p.get("targets"))
    panel["targets"][0]["expr"] = 'kobench_run_p42_seconds{namespace=~"$namespace"}'
    panel["targets"].append({"expr": 'kobench_runs_total{benchmark="b"}', "refId": "Z"})
    assert problems(dashboard, operator_series()) == [
        f"{panel['title']}: kobench_run_p42_seconds is not exported",
        f"{panel['title']}: kobench_runs_total has no label ['benchmark']",
    ]


def test_selectors_are_found_in_promql() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (namespace, le) "
        '(kobench_event_latency_seconds_bucket{namespace=~"$namespace", benchmark="x"}))'
        " / ignoring(le) increase(kobench_runs_total[$__rate_interval]) > 1e-3"
    )
    assert selectors(expr) == [
        Selector("kobench_event_latency_seconds_bucket", frozenset({"namespace", "benchmark"})),
        Selector("kobench_runs_total", frozenset()),
    ]


def test_every_benchmark_panel_follows_the_variables() -> None:
    dashboard = load()
    names = [v["name"] for v in dashboard["templating"]["list"]]
    assert names == ["datasource", "namespace", "benchmark", "mechanism"]
    series = operator_series()
    for query in queries(dashboard):
        for selector in selectors(query.expr):
            if {"namespace", "benchmark"} <= series[selector.metric]:
                assert {"namespace", "benchmark"} <= selector.labels, query
            if "mechanism" in series[selector.metric]:  # an observer's series
                assert "mechanism" in selector.labels, query
        sent = concrete(query.expr, namespace="ns", benchmark="b")
        assert "$" not in sent, sent  # every variable given a value


def test_histogram_buckets_are_dense_below_a_millisecond() -> None:
    below = [b for b in LATENCY_BUCKETS_SECONDS if b < 0.001]
    assert len(below) >= 8 and below[0] <= 0.000025


def test_the_kustomize_copy_is_the_charts_dashboard() -> None:
    assert KUSTOMIZE_COPY.read_text() == DASHBOARD.read_text()


def test_the_dashboard_is_well_formed_for_grafana() -> None:
    dashboard = load()
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)  # Grafana keys panels by id
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine
        for target in panel.get("targets") or []:
            assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
    assert dashboard["uid"] == "kobench" and dashboard["title"] == "kobench"
