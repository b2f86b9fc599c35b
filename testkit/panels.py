"""Every variable and panel query of the shipped dashboard, asked of a real Prometheus."""

from __future__ import annotations

from functools import partial

from testkit.dashboard_queries import concrete, label_queries, load, queries
from testkit.prometheus import Prometheus
from testkit.support import wait_for


def offers(prom: Prometheus, label: str, match: str, wanted: str) -> bool:
    """Whether a Grafana ``label_values`` variable would list ``wanted``."""
    params = {"match[]": [match]} if match else {}
    return wanted in prom.api(f"label/{label}/values", **params)


FAULT_METRICS = "kobench_fault_"
CANARY_METRICS = ("kobench_schedule_", "kobench_run_threshold_")
"""Series of a benchmark with spec.schedule (and a p99 threshold): the canary row."""


def assert_every_panel_answers(
    prom: Prometheus,
    *,
    namespace: str,
    benchmark: str,
    faults: bool = False,
    canary: bool = False,
) -> int:
    """Each variable offers the benchmark and each panel's query returns data for it (and only
    for it); returns how many panel queries were checked. The fault panels answer only for a
    benchmark with a fault schedule (``faults``: it had one, with a replica fault), the canary
    row only for a scheduled one with a p99 threshold (``canary``)."""
    dashboard = load()
    for variable, selector, label in label_queries(dashboard):
        match = concrete(selector or "", namespace=namespace, benchmark=benchmark)
        # The benchmarks these tests run use the default mechanism, keyevent.
        wanted = {"namespace": namespace, "benchmark": benchmark, "mechanism": "keyevent"}[label]
        wait_for(
            f"variable {variable} offering {wanted}",
            partial(offers, prom, label, match, wanted),
            timeout=30,
        )
    checked = 0
    asked = [
        q
        for q in queries(dashboard)
        if (faults or FAULT_METRICS not in q.expr)
        and (canary or not any(m in q.expr for m in CANARY_METRICS))
    ]
    for query in asked:
        expr = concrete(query.expr, namespace=namespace, benchmark=benchmark)
        result = wait_for(
            f"data for panel {query.panel!r}: {expr}", partial(prom.query, expr), timeout=30
        )
        for series in result:
            labels = series.get("metric") or {}
            assert labels.get("benchmark", benchmark) == benchmark, (query.panel, labels)
            assert labels.get("namespace", namespace) == namespace, (query.panel, labels)
        checked += 1
    assert checked == len(asked) >= 12
    return checked
