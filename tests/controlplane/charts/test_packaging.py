"""The Helm chart and the kustomize base: lint, render, schema, and the same RBAC in both."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml
from testkit.kube import KubeCluster
from testkit.support import REPO
from tests.controlplane.charts.chart_tools import CHART, by_kind, helm, render


def test_helm_lint_passes(kube_control_plane: KubeCluster) -> None:
    out = helm(kube_control_plane, "lint", "--strict", str(CHART)).stdout
    assert "0 chart(s) failed" in out


def test_chart_renders_a_standalone_least_privilege_operator(
    kube_control_plane: KubeCluster,
) -> None:
    documents = render(kube_control_plane, "image.tag=1.2.3")
    deployment = by_kind(documents, "Deployment")[0]
    assert deployment["spec"]["replicas"] == 1
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "kobench:1.2.3"
    assert "--all-namespaces" in container["args"]
    assert "--role-image=kobench:1.2.3" in container["args"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    role = by_kind(documents, "ClusterRole")[0]
    rbac = yaml.safe_load_all((REPO / "manifests/rbac.yaml").read_text())
    manifests_role = next(d for d in rbac if d["kind"] == "ClusterRole")
    assert role["rules"] == manifests_role["rules"]
    verbs = {v for rule in role["rules"] for v in rule["verbs"]}
    assert "*" not in verbs and "escalate" not in verbs and "bind" not in verbs
    assert not by_kind(documents, "ServiceMonitor")


def test_chart_scopes_to_namespaces_and_renders_a_service_monitor(
    kube_control_plane: KubeCluster,
) -> None:
    documents = render(
        kube_control_plane,
        "scope.clusterWide=false",
        "scope.namespaces={a,b}",
        "metrics.serviceMonitor.enabled=true",
    )
    assert not by_kind(documents, "ClusterRole")
    assert sorted(r["metadata"]["namespace"] for r in by_kind(documents, "Role")) == ["a", "b"]
    args = by_kind(documents, "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--namespace=a" in args and "--namespace=b" in args
    assert by_kind(documents, "ServiceMonitor")[0]["spec"]["endpoints"][0]["port"] == "metrics"


@pytest.mark.parametrize(
    "bad",
    [
        "logFormat=xml",
        "image.pullPolicy=Sometimes",
        "scope.clusterWide=false",
        "metrics.port=0",
        "unknown=1",
    ],
)
def test_values_schema_rejects_bad_values(kube_control_plane: KubeCluster, bad: str) -> None:
    result = helm(kube_control_plane, "template", "kob", str(CHART), "--set", bad, check=False)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr


def test_rendered_chart_and_kustomize_base_pass_server_side_dry_run(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
) -> None:
    kube_control_plane = crd_cluster
    ns = kube_namespace(kube_control_plane)
    text = helm(
        kube_control_plane,
        "template",
        "kob",
        str(CHART),
        "-n",
        ns,
        "--set",
        "scope.clusterWide=false",
        "--set",
        f"scope.namespaces={{{ns}}}",
    ).stdout
    kube_control_plane.kubectl("apply", "--dry-run=server", "-n", ns, "-f", "-", input=text)
    built = kube_control_plane.kubectl("kustomize", str(REPO / "manifests")).stdout
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(built) if d)
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "Deployment",
        "Namespace",
        "Service",
        "ServiceAccount",
    ]
    samples = kube_control_plane.kubectl("kustomize", str(REPO / "manifests/samples")).stdout
    kube_control_plane.kubectl("apply", "--dry-run=server", "-n", ns, "-f", "-", input=samples)
