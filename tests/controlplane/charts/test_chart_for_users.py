"""The chart as users expect it: a values schema that names a wrong value in ``helm lint``,
``helm template`` and ``helm install``; the chart packaged as the README's commands package it;
Artifact Hub's annotations (``operator``, ``crds``, ``crdsExamples``) true to the chart's CRD.

Only ``test_install_with_a_wrong_value_fails_naming_it`` and
``test_the_artifact_hub_example_is_accepted_by_the_api_server`` need the control plane; the rest
run the Helm that ``hack/cluster build`` made, without a cluster.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.cached_tools import cached_tool
from testkit.kube import KubeCluster
from testkit.support import REPO
from tests.controlplane.charts.chart_tools import CHART, helm

from kobench.plugins.checks import check_benchmark

SAMPLE = REPO / "manifests" / "samples" / "quickstart.yaml"
CRD = CHART / "crds" / "keydbobserverbenchmarks.kobench.io.yaml"
WRONG = [
    ("logFormat=xml", "at '/logFormat': value must be one of 'json', 'plain', 'full'"),
    ("image.pullPolicy=Sometimes", "at '/image/pullPolicy': value must be one of"),
    ("metrics.port=0", "at '/metrics/port': minimum: got 0, want 1"),
    ("scope.clusterWide=false", "at '/scope/namespaces': minItems: got 0, want 1"),
    ("resources.requests.cpu=lots", "at '/resources/requests/cpu': 'lots' does not match"),
    ("resources.request.cpu=1", "at '/resources': additional properties 'request' not allowed"),
    ("logformat=json", "additional properties 'logformat' not allowed"),
]


def helm_alone(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The cache's Helm, without a cluster (no kubeconfig at all) and with a home of its own."""
    binary = cached_tool("helm", "HELM_VERSION", "helm")
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "KUBECONFIG": f"{home}/none"}
        return subprocess.run(
            [str(binary), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
        )


def chart_annotations() -> dict[str, Any]:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    return {key: value for key, value in chart["annotations"].items()}


def test_lint_strict_passes_and_every_value_is_described() -> None:
    lint = helm_alone("lint", "--strict", str(CHART))
    assert lint.returncode == 0 and "0 chart(s) failed" in lint.stdout, lint.stdout
    schema = json.loads((CHART / "values.schema.json").read_text())

    def undescribed(node: dict[str, Any], path: str) -> list[str]:
        found = [] if "description" in node else [path or "(top)"]
        for key, child in (node.get("properties") or {}).items():
            found += undescribed(child, f"{path}.{key}".lstrip("."))
        return found

    assert undescribed(schema, "") == []


@pytest.mark.parametrize(("value", "named"), WRONG, ids=[w[0] for w in WRONG])
def test_template_and_lint_with_a_wrong_value_fail_naming_it(value: str, named: str) -> None:
    template = helm_alone("template", "kob", str(CHART), "--set", value)
    assert template.returncode != 0 and named in template.stderr, template.stderr
    lint = helm_alone("lint", "--strict", str(CHART), "--set", value)
    assert lint.returncode != 0 and named in lint.stdout, lint.stdout


def test_install_with_a_wrong_value_fails_naming_it(
    kube_control_plane: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(kube_control_plane)
    args = ["install", "wrong", str(CHART), "-n", ns, "--set", "logFormat=xml"]
    done = helm(kube_control_plane, *args, check=False)
    assert done.returncode != 0
    assert "at '/logFormat': value must be one of" in done.stderr, done.stderr
    releases = helm(kube_control_plane, "list", "-n", ns, "-q").stdout
    assert releases.strip() == ""  # nothing was installed


def test_the_package_holds_the_chart_and_its_annotations(tmp_path: Path) -> None:
    readme = (CHART / "README.md").read_text()
    assert "helm package helm/kobench" in readme and "helm push kobench-0.1.0.tgz oci://" in readme
    done = helm_alone("package", str(CHART), cwd=tmp_path)  # as the README runs it
    assert done.returncode == 0, done.stderr
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    archive = tmp_path / f"kobench-{chart['version']}.tgz"
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        packaged = yaml.safe_load(tar.extractfile("kobench/Chart.yaml").read())  # type: ignore[union-attr]
    expected = {f"kobench/{p.relative_to(CHART)}" for p in CHART.rglob("*") if p.is_file()}
    assert names == expected, names ^ expected
    assert "kobench/values.schema.json" in names and "kobench/README.md" in names
    assert packaged["annotations"] == chart["annotations"]
    shown = helm_alone("show", "chart", str(archive))
    assert yaml.safe_load(shown.stdout)["annotations"]["artifacthub.io/operator"] == "true"


def test_artifact_hub_annotations_are_the_charts_crd_and_sample() -> None:
    found = chart_annotations()
    assert found["artifacthub.io/operator"] == "true"
    crd = yaml.safe_load(CRD.read_text())
    version = crd["spec"]["versions"][0]
    assert yaml.safe_load(found["artifacthub.io/crds"]) == [
        {
            "kind": crd["spec"]["names"]["kind"],
            "version": version["name"],
            "name": crd["metadata"]["name"],
            "displayName": "KeyDB observer benchmark",
            "description": version["schema"]["openAPIV3Schema"]["description"],
        }
    ]
    examples = yaml.safe_load(found["artifacthub.io/crdsExamples"])
    assert examples == [yaml.safe_load(SAMPLE.read_text())], (
        "Chart.yaml's artifacthub.io/crdsExamples must equal manifests/samples/quickstart.yaml"
    )
    for example in examples:
        check_benchmark(example)  # kobench's own checks, which the CRD is generated from


def test_the_artifact_hub_example_is_accepted_by_the_api_server(
    crd_cluster: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(crd_cluster)
    for example in yaml.safe_load(chart_annotations()["artifacthub.io/crdsExamples"]):
        crd_cluster.kubectl(
            "create", "--dry-run=server", "-n", ns, "-f", "-", input=json.dumps(example)
        )
