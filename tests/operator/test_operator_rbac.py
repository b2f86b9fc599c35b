"""The operator runs a benchmark with nothing but the chart's RBAC (a service-account token)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.operator.helpers import OperatorProcess, token_cluster
from tests.operator.test_operator_runs import (
    SPEC,
    benchmark,
    drive_engine_ready,
    drive_subscribed,
    finish_roles,
    wait_phase,
)
from tests.plugins.kube import KubeCluster

pytestmark = pytest.mark.controlplane
CHART = Path(__file__).resolve().parents[2] / "helm" / "kobench"


@pytest.mark.parametrize("cluster_wide", [True, False], ids=["cluster-wide", "namespaced"])
def test_operator_works_with_only_the_charts_rbac(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
    tmp_path: Path,
    cluster_wide: bool,
) -> None:
    admin = crd_cluster
    assert admin.helm_path is not None, "helm is not built: run hack/cluster build"
    home = kube_namespace(admin, "kobench-op")
    bench_ns = kube_namespace(admin)
    release = f"r{uuid.uuid4().hex[:6]}"
    scope = (
        ["--set", "scope.clusterWide=true"]
        if cluster_wide
        else ["--set", "scope.clusterWide=false", "--set", f"scope.namespaces={{{bench_ns}}}"]
    )
    rendered = subprocess.run(
        [
            str(admin.helm_path),
            "template",
            release,
            str(CHART),
            "-n",
            home,
            *scope,
            "--show-only",
            "templates/serviceaccount.yaml",
            "--show-only",
            "templates/rbac.yaml",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=admin.env,
    ).stdout
    admin.kubectl("apply", "-f", "-", input=rendered)  # every document names its namespace
    try:
        token = admin.kubectl(
            "create", "token", f"{release}-kobench", "-n", home, "--duration=1h"
        ).stdout.strip()
        restricted = token_cluster(admin, token, tmp_path / "operator.kubeconfig")
        # The token really is restricted: it cannot read Secrets' contents, for example.
        denied = restricted.kubectl("get", "secrets", "-n", bench_ns, check=False)
        assert denied.returncode != 0 and "forbidden" in denied.stderr.lower()

        op = operator(restricted, bench_ns, admin=admin)
        admin.apply(benchmark("rbac", SPEC), namespace=bench_ns)
        drive_engine_ready(admin, bench_ns, "rbac", replicas=2)
        observers = drive_subscribed(admin, bench_ns, "rbac", expected=3)
        finish_roles(admin, bench_ns, "rbac", SPEC, observers)
        status = wait_phase(admin, bench_ns, "rbac", "Succeeded", "Failed")
        assert status["verdict"] == "Passed", status.get("reasons")
        # Events were posted and the cleanup ran, both under the chart's permissions.
        events = admin.get_json(
            "events", "-n", bench_ns, "--field-selector", "involvedObject.name=rbac"
        )["items"]
        assert any(e["reason"] == "Succeeded" for e in events)
        admin.kubectl("delete", "kob", "rbac", "-n", bench_ns, "--timeout=30s")
        log = op.log()
        assert "403" not in log and "forbidden" not in log.lower(), log
    finally:
        if cluster_wide:
            admin.kubectl(
                "delete",
                "clusterrole,clusterrolebinding",
                f"{release}-kobench",
                "--ignore-not-found",
                check=False,
            )
