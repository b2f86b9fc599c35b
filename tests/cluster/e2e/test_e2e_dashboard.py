"""The dashboard against a real Prometheus that scrapes the installed operator the way a
Prometheus Operator would: through the chart's metrics Service, with the chart's own
ServiceMonitor (rendered by Helm) turned into its scrape job.

After a benchmark ran, every variable and every panel query of the shipped dashboard returns data
for that benchmark, and the operator's own ``namespace`` label (the benchmark's namespace) reaches
Prometheus as it is, not renamed to ``exported_namespace`` by the target labels.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from testkit import prometheus
from testkit.panels import assert_every_panel_answers
from tests.cluster.e2e.bench import CHART, Installation, example, short_run
from tests.cluster.e2e.servicemonitor import scrape_jobs


def chart_service_monitor(installation: Installation) -> dict[str, object]:
    """The ServiceMonitor the chart renders for this release when it is turned on."""
    rendered = installation.helm(
        "template",
        installation.release,
        str(CHART),
        "--namespace",
        installation.namespace,
        "--set",
        "metrics.serviceMonitor.enabled=true",
        "--show-only",
        "templates/servicemonitor.yaml",
    ).stdout
    monitor: dict[str, object] = yaml.safe_load(rendered)
    return monitor


def test_every_panel_answers_from_a_prometheus_scraping_the_charts_service(
    installation: Installation, tmp_path: Path
) -> None:
    ns, name = installation.namespace, "dashboard-e2e"
    jobs = scrape_jobs(
        chart_service_monitor(installation),
        namespace=ns,
        kubeconfig=installation.cluster.kubeconfig,
        interval="1s",
    )
    with prometheus.scraping(jobs, tmp_path / "prometheus") as prom:
        (target,) = prom.api("targets")["activeTargets"]
        assert target["labels"]["service"] == f"{installation.fullname}-metrics", target
        # No latency thresholds: what a loaded two-core runner does to p99 (135 ms once, with
        # Prometheus beside it) is not what this test checks; a verdict and the metrics are.
        # A replication cut of the second replica gives the fault panels their data.
        run = short_run(example("quickstart"), name=name, seconds=3, thresholds={})
        run["spec"]["engine"]["replicas"] = 2
        run["spec"]["observers"][1]["targetReplica"] = 1
        run["spec"]["faults"] = [
            {"atSeconds": 1, "action": "cutReplication", "replica": 1, "durationSeconds": 1}
        ]
        body = installation.finish(installation.apply(run), timeout=150)
        assert body["status"].get("verdict") == "Passed", body["status"]
        assert body["status"]["summary"]["faults"] == 1, body["status"]["summary"]
        checked = assert_every_panel_answers(prom, namespace=ns, benchmark=name, faults=True)
        print(f"{checked} panel queries answered for {ns}/{name}")
        renamed = prom.query('{__name__=~"kobench_.+", exported_namespace!=""}')
        assert renamed == [], renamed[:3]
