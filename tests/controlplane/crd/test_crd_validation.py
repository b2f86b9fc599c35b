"""The CRD rejects what the spec model rejects, and the API server's message names the field
(the model's side is ``tests/unit/api/test_model_rejections.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from testkit.corpus.crd_rejections import CLUSTER_ONLY, INVALID
from testkit.kube import KubeCluster, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, wait_for

from kobench.api import parse_spec


def resource(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return benchmark(name, spec)


def test_the_api_server_rejects_invalid_resources_naming_the_field(
    crd_cluster: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    assert len(INVALID) >= 20
    ns = kube_namespace(crd_cluster)
    accepted = []
    unnamed = []
    for case, spec, field in [*INVALID, *CLUSTER_ONLY]:
        result = crd_cluster.kubectl(
            "create",
            "--dry-run=server",
            "-n",
            ns,
            "-f",
            "-",
            input=json.dumps(resource(case, spec)),
            check=False,
        )
        if result.returncode == 0:
            accepted.append(case)
        elif field not in result.stderr:
            unnamed.append(f"{case}: {result.stderr.strip()}")
    assert not accepted, f"accepted invalid resources: {accepted}"
    assert not unnamed, "messages that do not name the field:\n" + "\n".join(unnamed)


def test_defaults_come_from_the_model_and_explain_describes_fields(
    crd_cluster: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    ns = kube_namespace(crd_cluster)
    out = crd_cluster.kubectl(
        "create",
        "--dry-run=server",
        "-n",
        ns,
        "-o",
        "json",
        "-f",
        "-",
        input=json.dumps(resource("defaults", {})),
    ).stdout
    served = json.loads(out)["spec"]
    expected = parse_spec({}).model_dump(by_alias=True, exclude_none=True, mode="json")
    assert served == expected
    explain = crd_cluster.kubectl("explain", "kob.spec.workload.keyMode").stdout
    assert "unique" in explain and "shared" in explain


def test_the_operator_applies_the_plugin_rules_before_creating_any_child(
    crd_cluster: KubeCluster,
    kube_namespace: Callable[..., str],
    operator: Callable[..., OperatorProcess],
) -> None:
    ns = kube_namespace(crd_cluster)
    operator(crd_cluster, ns)
    spec = {
        "engine": {"type": "redis", "replicas": 1},
        "observers": [{"name": "a", "mode": "psychic"}],
    }
    crd_cluster.apply(resource("psychic", spec), namespace=ns)
    status = wait_for(
        "phase Error",
        lambda: (s := status_of(crd_cluster, ns, "psychic")).get("phase") == "Error" and s,
    )
    assert any(
        "spec.observers[0].mode: unknown observer mode 'psychic'" in r for r in status["reasons"]
    )
    for kind in ("statefulset", "pods", "secrets", "configmaps"):
        made = crd_cluster.get_json(
            kind, "-n", ns, "-l", "app.kubernetes.io/managed-by=kobench-operator"
        )
        assert made["items"] == [], kind
