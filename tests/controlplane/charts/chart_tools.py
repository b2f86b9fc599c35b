"""The chart rendered and driven with the Helm that ``hack/cluster build`` made."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml
from testkit.kube import KubeCluster
from testkit.support import REPO

CHART = REPO / "helm" / "kobench"


def helm(cluster: KubeCluster, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    if cluster.helm_path is None:
        pytest.fail("helm is not built: run hack/cluster build", pytrace=False)
    result = subprocess.run(
        [str(cluster.helm_path), *args],
        capture_output=True,
        text=True,
        env=cluster.env,
        timeout=120,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(f"helm {' '.join(args)}: {result.stderr}{result.stdout}", pytrace=False)
    return result


def render(
    cluster: KubeCluster, *sets: str, namespace: str = "kobench-system"
) -> list[dict[str, Any]]:
    args = ["template", "kob", str(CHART), "-n", namespace]
    for value in sets:
        args += ["--set", value]
    return [d for d in yaml.safe_load_all(helm(cluster, *args).stdout) if d]


def by_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in documents if d["kind"] == kind]
