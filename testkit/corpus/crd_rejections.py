"""Resources the CRD must refuse as the spec model does, each with the field the refusal names
(``tests/unit/api/test_model_rejections.py`` asks the model, the control-plane tier's
``test_crd_validation.py`` the API server)."""

from __future__ import annotations

from typing import Any

_TARGET_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("engine-image", {}, {"engine": {"image": "redis:7"}}, "spec.engine.image"),
    ("engine-port", {}, {"engine": {"port": 7000}}, "spec.engine.port"),
    ("engine-tls", {}, {"engine": {"tls": True}}, "spec.engine.tls"),
    ("engine-replicas", {}, {"engine": {"replicas": 4}}, "spec.engine.replicas"),
    ("rate", {}, {"workload": {"rate": 600, "writers": 2}}, "spec.workload.rate"),
    ("matrix", {}, {"matrix": {"rates": [100, 200]}}, "spec.matrix"),
    ("mechanism", {}, {"delivery": {"mechanism": "keyspace"}}, "spec.delivery.mechanism"),
    (
        "pause",
        {},
        {
            "faults": [
                {
                    "action": "pauseReplica",
                    "replica": 1,
                    "atSeconds": 1,
                    "durationSeconds": 1,
                }
            ]
        },
        "spec.faults",
    ),
    (
        "kill-without-disruption",
        {"pods": ["redis-0", "redis-1"]},
        {"faults": [{"action": "killReplica", "replica": 1, "atSeconds": 1}]},
        "spec.faults",
    ),
    ("write-to", {"writeTo": "2"}, {}, "spec.target.writeTo"),
    ("observe-on", {"observeOn": "5"}, {}, "spec.target.observeOn"),
    ("pods", {"pods": ["a", "b", "c"]}, {}, "spec.target.pods"),
    (
        "two-cas",
        {"tls": {"caSecretRef": {"name": "ca"}, "caConfigMapRef": {"name": "ca"}}},
        {},
        "spec.target.tls.caConfigMapRef",
    ),
]
"""spec.target's static rules: (id, target fields, other spec sections, the field named)."""

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
    *(
        (f"target-{case}", {"target": {"endpoints": ["h:1", "h:2"], **target}, **spec}, field)
        for case, target, spec, field in _TARGET_CASES
    ),
]

# (id, spec, field): refused by the CRD and by the operator's check (spec_problems reading
# ConfigMaps), accepted by kobench run: what only kobench run reads (its environment, its files).
CLUSTER_ONLY: list[tuple[str, dict[str, Any], str]] = [
    (
        f"target-{name}",
        {"target": {"endpoints": ["h:1"], section: {name: value}}},
        f"spec.target.{section}.{name}",
    )
    for section, name, value in [
        ("auth", "passwordEnv", "REDIS_PASSWORD"),
        ("auth", "passwordFile", "/run/secrets/redis"),
        ("tls", "caFile", "/etc/ssl/ca.pem"),
        ("tls", "certFile", "/etc/ssl/client.pem"),
        ("tls", "keyFile", "/etc/ssl/client.key"),
    ]
]
