"""The operator runs a benchmark with nothing but the chart's RBAC (a service-account token)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.kube import KubeCluster, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import REPO, benchmark, wait_for
from tests.controlplane.runs.driving import (
    SPEC,
    drive_engine_ready,
    drive_subscribed,
    finish_roles,
    wait_phase,
)

CHART = REPO / "helm" / "kobench"


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
        restricted = admin.with_token(token, tmp_path / "operator.kubeconfig")
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


def test_a_permission_the_operator_lacks_reaches_the_status_and_one_event(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
    tmp_path: Path,
) -> None:
    # The chart's namespaced RBAC without "list pods": a real 403 on every pass that looks at
    # the run's pods. The user must see it in the status and an Event, and the operator must
    # back off instead of filling its log.
    admin = crd_cluster
    assert admin.helm_path is not None, "helm is not built: run hack/cluster build"
    home = kube_namespace(admin, "kobench-op")
    bench_ns = kube_namespace(admin)
    release = f"r{uuid.uuid4().hex[:6]}"
    rendered = subprocess.run(
        [
            str(admin.helm_path),
            "template",
            release,
            str(CHART),
            "-n",
            home,
            "--set",
            "scope.clusterWide=false",
            "--set",
            f"scope.namespaces={{{bench_ns}}}",
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
    documents = [d for d in yaml.safe_load_all(rendered) if d]
    for document in documents:
        for rule in document.get("rules", []):
            if rule["resources"] == ["pods"]:
                rule["verbs"] = [v for v in rule["verbs"] if v != "list"]
    admin.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(documents))
    token = admin.kubectl(
        "create", "token", f"{release}-kobench", "-n", home, "--duration=1h"
    ).stdout.strip()
    restricted = admin.with_token(token, tmp_path / "operator.kubeconfig")
    op = operator(restricted, bench_ns, admin=admin)
    admin.apply(benchmark("blind", SPEC), namespace=bench_ns)

    def reported() -> dict[str, Any] | None:
        status: dict[str, Any] = status_of(admin, bench_ns, "blind")
        return status if "cannot list pods: 403" in status.get("message", "") else None

    status = wait_for("the 403 in the status", reported, timeout=60)
    assert status["phase"] == "WaitingForEngine"
    complete = {c["type"]: c for c in status["conditions"]}["Complete"]
    assert (complete["status"], complete["reason"]) == ("False", "ApiError")
    assert "cannot list pods: 403 Forbidden" in complete["message"]

    def warned() -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = admin.get_json(
            "events", "-n", bench_ns, "--field-selector", "involvedObject.name=blind,type=Warning"
        )["items"]
        return [e for e in events if e["reason"] == "ApiError"]

    events = wait_for("an ApiError Event", warned, timeout=30)

    # Two more failed passes: the Event is not repeated, and they come after a backoff (the
    # pause doubles from 4 s), not at the 2 s pass interval.
    def failures() -> int:
        return op.log().count("cannot list pods: 403")

    seen, watched = failures(), time.monotonic()
    wait_for("two more failed passes", lambda: failures() >= seen + 2, timeout=150)
    assert time.monotonic() - watched >= 8.0
    assert len(warned()) == len(events) == 1
    assert sum(e.get("count", 1) for e in warned()) == 1, warned()
