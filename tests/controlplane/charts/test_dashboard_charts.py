"""The dashboard as Helm and kustomize install it: off by default, the sidecar's label, the
grafana-operator's resource, and the very JSON that the dashboard tests check."""

from __future__ import annotations

import json

import yaml
from testkit.dashboard_queries import DASHBOARD
from testkit.kube import KubeCluster
from testkit.support import REPO
from tests.controlplane.charts.chart_tools import by_kind, helm, render


def test_the_chart_installs_no_dashboard_by_default(kube_control_plane: KubeCluster) -> None:
    kinds = {d["kind"] for d in render(kube_control_plane)}
    assert "GrafanaDashboard" not in kinds
    assert not [d for d in by_kind(render(kube_control_plane), "ConfigMap")]


def test_the_chart_installs_the_dashboard_for_the_sidecar_and_the_operator(
    kube_control_plane: KubeCluster,
) -> None:
    documents = render(
        kube_control_plane,
        "dashboards.configMap.enabled=true",
        "dashboards.configMap.namespace=monitoring",
        "dashboards.configMap.annotations.grafana_folder=kobench",
        "dashboards.grafanaDashboard.enabled=true",
        "dashboards.grafanaDashboard.folder=Benchmarks",
    )
    [config_map] = by_kind(documents, "ConfigMap")
    assert config_map["metadata"]["namespace"] == "monitoring"
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["metadata"]["annotations"] == {"grafana_folder": "kobench"}
    assert config_map["data"]["kobench.json"] == DASHBOARD.read_text()
    [dashboard] = by_kind(documents, "GrafanaDashboard")
    assert dashboard["apiVersion"] == "grafana.integreatly.org/v1beta1"
    assert dashboard["spec"]["instanceSelector"] == {"matchLabels": {"dashboards": "grafana"}}
    assert dashboard["spec"]["folder"] == "Benchmarks"
    assert json.loads(dashboard["spec"]["json"]) == json.loads(DASHBOARD.read_text())


def test_the_schema_rejects_a_misspelt_dashboard_value(kube_control_plane: KubeCluster) -> None:
    chart = str(REPO / "helm" / "kobench")
    result = helm(
        kube_control_plane,
        "template",
        "kob",
        chart,
        "--set",
        "dashboards.configMap.enable=true",
        check=False,
    )
    assert result.returncode != 0 and "enable" in result.stderr


def test_kustomize_builds_the_same_dashboard(kube_control_plane: KubeCluster) -> None:
    built = kube_control_plane.kubectl(
        "kustomize", str(REPO / "manifests" / "dashboards" / "grafana-operator")
    ).stdout
    documents = [d for d in yaml.safe_load_all(built) if d]
    [config_map] = by_kind(documents, "ConfigMap")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config_map["data"]["kobench.json"] == DASHBOARD.read_text()
    [dashboard] = by_kind(documents, "GrafanaDashboard")
    assert dashboard["metadata"]["namespace"] == config_map["metadata"]["namespace"]
    assert dashboard["spec"]["configMapRef"] == {
        "name": config_map["metadata"]["name"],
        "key": "kobench.json",
    }
