"""Helm v3 from the hack/cluster cache installs and removes a chart for real."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from testkit.kube import KubeCluster

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: smoke\nversion: 0.1.0\n",
    "values.yaml": "greeting: hello\n",
    "templates/configmap.yaml": (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: {{ .Release.Name }}-settings\n"
        "data:\n"
        "  greeting: {{ .Values.greeting | quote }}\n"
        "  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}\n"
    ),
}


def helm(cluster: KubeCluster, *args: str) -> str:
    if cluster.helm_path is None:
        pytest.fail("helm is not built: run hack/cluster build", pytrace=False)
    result = subprocess.run(
        [str(cluster.helm_path), "--kubeconfig", str(cluster.kubeconfig), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, f"helm {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_helm_installs_and_uninstalls_a_chart(
    kube_control_plane: KubeCluster, kube_namespace: Callable[..., str], tmp_path: Path
) -> None:
    cluster = kube_control_plane
    ns = kube_namespace(cluster)
    for name, text in CHART.items():
        (tmp_path / "smoke" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "smoke" / name).write_text(text)

    helm(cluster, "install", "demo", str(tmp_path / "smoke"), "-n", ns, "--set", "greeting=hi")
    data = cluster.get_json("configmap", "demo-settings", "-n", ns)["data"]
    server = json.loads(cluster.kubectl("get", "--raw", "/version").stdout)
    assert data["greeting"] == "hi"
    assert data["kubeVersion"] == server["gitVersion"]
    assert "demo" in helm(cluster, "list", "-n", ns, "-q").split()

    helm(cluster, "uninstall", "demo", "-n", ns, "--wait")
    gone = cluster.kubectl("get", "configmap", "demo-settings", "-n", ns, check=False)
    assert gone.returncode != 0
