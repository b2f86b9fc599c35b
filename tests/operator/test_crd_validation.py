"""The CRD rejects what the spec model rejects, and the API server's message names the field."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from testkit.kube import KubeCluster, status_of
from testkit.operator_process import OperatorProcess
from testkit.support import benchmark, wait_for

from kobench.api import parse_spec
from kobench.errors import SpecErrors
from kobench.plugins.checks import check_spec

# (id, spec, field the rejection must name)
INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("no-replicas", {"engine": {"replicas": 0}}, "spec.engine.replicas"),
    ("too-many-replicas", {"engine": {"replicas": 8}}, "spec.engine.replicas"),
    ("engine-type-pattern", {"engine": {"type": "Key DB"}}, "spec.engine.type"),
    ("server-threads", {"engine": {"serverThreads": 17}}, "spec.engine.serverThreads"),
    (
        "notify-without-E",
        {"engine": {"notifyKeyspaceEvents": "K$"}},
        "spec.engine.notifyKeyspaceEvents",
    ),
    (
        "notify-without-string-class",
        {"engine": {"notifyKeyspaceEvents": "Eg"}},
        "spec.engine.notifyKeyspaceEvents",
    ),
    (
        "notify-bad-flag",
        {"engine": {"notifyKeyspaceEvents": "E$q"}},
        "spec.engine.notifyKeyspaceEvents",
    ),
    ("database", {"engine": {"database": 16}}, "spec.engine.database"),
    ("port", {"engine": {"port": 70000}}, "spec.engine.port"),
    (
        "secret-name",
        {"engine": {"authSecretRef": {"name": "Not_A_Name"}}},
        "spec.engine.authSecretRef.name",
    ),
    (
        "memory-quantity",
        {"engine": {"resources": {"limits": {"memory": "lots"}}}},
        "spec.engine.resources.limits.memory",
    ),
    (
        "anti-affinity",
        {"engine": {"placement": {"antiAffinity": "sometimes"}}},
        "spec.engine.placement.antiAffinity",
    ),
    ("key-mode", {"workload": {"keyMode": "random"}}, "spec.workload.keyMode"),
    ("rate", {"workload": {"rate": 0}}, "spec.workload.rate"),
    ("duration-zero", {"workload": {"durationSeconds": 0}}, "spec.workload.durationSeconds"),
    ("writes-zero", {"workload": {"writes": 0}}, "spec.workload.writes"),
    ("duration-and-writes", {"workload": {"durationSeconds": 5, "writes": 100}}, "spec.workload"),
    ("value-size", {"workload": {"valueSize": 10}}, "spec.workload.valueSize"),
    (
        "writer-target-replica",
        {"engine": {"replicas": 3}, "workload": {"targetReplica": 3}},
        "spec.workload.targetReplica",
    ),
    ("shared-key", {"workload": {"sharedKey": "has space"}}, "spec.workload.sharedKey"),
    ("no-observers", {"observers": []}, "spec.observers"),
    (
        "too-many-observers",
        {"observers": [{"name": f"o{i}", "mode": "sync"} for i in range(9)]},
        "spec.observers",
    ),
    (
        "duplicate-observer",
        {"observers": [{"name": "a", "mode": "sync"}, {"name": "a", "mode": "async"}]},
        "spec.observers[1]",
    ),
    ("observer-name", {"observers": [{"name": "Sync", "mode": "sync"}]}, "spec.observers[0].name"),
    ("observer-mode-missing", {"observers": [{"name": "a"}]}, "spec.observers[0].mode"),
    (
        "observer-target-replica",
        {
            "engine": {"replicas": 2},
            "observers": [{"name": "a", "mode": "sync", "targetReplica": 2}],
        },
        "spec.observers",
    ),
    ("p99-threshold", {"thresholds": {"p99LatencyMs": 0}}, "spec.thresholds.p99LatencyMs"),
    ("max-missed", {"thresholds": {"maxMissed": -1}}, "spec.thresholds.maxMissed"),
    (
        "shortfall",
        {"validity": {"maxRateShortfallPercent": 150}},
        "spec.validity.maxRateShortfallPercent",
    ),
    ("engine-timeout", {"timeouts": {"engineReadySeconds": 0}}, "spec.timeouts.engineReadySeconds"),
    ("cleanup", {"cleanup": "Sometimes"}, "spec.cleanup"),
    ("run-nonce-length", {"runNonce": "x" * 64}, "spec.runNonce"),
    ("unknown-field", {"workload": {"ratePerSecond": 5}}, "spec.workload.ratePerSecond"),
    (
        "read-only-replica",
        {"engine": {"type": "redis", "replicas": 2}, "workload": {"targetReplica": 1}},
        "spec.workload.targetReplica",
    ),
    (
        "round-robin-single-primary",
        {"engine": {"type": "valkey"}, "workload": {"roundRobin": True}},
        "spec.workload.roundRobin",
    ),
    (
        "conflict-single-primary",
        {
            "engine": {"type": "redis", "replicas": 2},
            "workload": {"keyMode": "unique", "writers": 2, "conflict": {"keys": 10}},
        },
        "spec.workload.conflict",
    ),
    (
        "conflict-one-writer",
        {"engine": {"type": "keydb"}, "workload": {"keyMode": "unique", "conflict": {}}},
        "spec.workload.writers",
    ),
    (
        "more-writes-than-a-run-holds",
        {"workload": {"rate": 200000, "durationSeconds": 3600}},
        "spec.workload",
    ),
    ("rate-boolean", {"workload": {"rate": True}}, "spec.workload.rate"),
    ("rate-string", {"workload": {"rate": "100"}}, "spec.workload.rate"),
]


def resource(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return benchmark(name, spec)


@pytest.mark.parametrize(
    ("spec", "field"), [(s, f) for _, s, f in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_the_model_rejects_the_same_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecErrors) as caught:
        check_spec(spec)
    fields = [e.field for e in caught.value.errors]
    assert any(f.startswith(field) for f in fields), fields


@pytest.mark.controlplane
def test_the_api_server_rejects_invalid_resources_naming_the_field(
    crd_cluster: KubeCluster, kube_namespace: Callable[..., str]
) -> None:
    assert len(INVALID) >= 20
    ns = kube_namespace(crd_cluster)
    accepted = []
    unnamed = []
    for case, spec, field in INVALID:
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


@pytest.mark.controlplane
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


@pytest.mark.controlplane
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
