"""The corpus' resource cases: one change to a valid benchmark each (see ``corpus.py``).

A row: (id, changes to BASE by dotted path, exit code, field named, words, api_server).
"""

from __future__ import annotations

from typing import Any

PLUGIN_ONLY = (
    "the API server cannot know which plugins the operator has installed: it accepts, and "
    "the operator ends the run in phase Error naming the field before creating any child"
)
LONG = "x" * 64
DELETE: Any = object()
"""A change that removes the key."""

Row = tuple[str, dict[str, Any], int, str, str, str | None]


def bad(case_id: str, path: str, value: Any, field: str | None = None, words: str = "") -> Row:
    return (case_id, {path: value}, 2, field or path, words, None)


def writes(case_id: str, value: Any) -> Row:
    """``writes`` set, ``durationSeconds`` (exclusive with it) removed."""
    return (
        case_id,
        {f"{W}.durationSeconds": DELETE, f"{W}.writes": value},
        2,
        f"{W}.writes",
        "",
        None,
    )


def good(case_id: str, changes: dict[str, Any]) -> Row:
    return (case_id, changes, 0, "", "", None)


W = "spec.workload"
E = "spec.engine"
O0 = "spec.observers"

SPEC_CASES: list[Row] = [
    # The envelope and metadata
    bad("api-version-wrong", "apiVersion", "kobench.io/v1", words="kobench.io/v1alpha1"),
    bad("api-version-number", "apiVersion", 1),
    bad("kind-pod", "kind", "Pod"),
    bad("kind-lowercase", "kind", "keydbobserverbenchmark"),
    bad("metadata-list", "metadata", ["name"]),
    bad("name-uppercase", "metadata.name", "Corpus", words="DNS subdomain"),
    bad("name-underscore", "metadata.name", "my_bench", words="DNS subdomain"),
    bad("name-space", "metadata.name", "my bench", words="DNS subdomain"),
    bad("name-trailing-dash", "metadata.name", "bench-", words="DNS subdomain"),
    bad("name-leading-dot", "metadata.name", ".bench", words="DNS subdomain"),
    bad("name-254", "metadata.name", "a" * 254),
    bad("name-number", "metadata.name", 123, words="must be a string"),
    bad("name-empty", "metadata.name", ""),
    ("name-missing", {"metadata.name": DELETE}, 2, "metadata.name", "", None),
    good("name-253", {"metadata.name": ("a" * 63 + ".") * 3 + "a" * 61}),
    good("name-64", {"metadata.name": "b" * 64}),
    good("name-with-dots", {"metadata.name": "bench.v2.example"}),
    good("name-digits-first", {"metadata.name": "1bench"}),
    bad("namespace-uppercase", "metadata.namespace", "Default", words="DNS label"),
    bad("label-key-bad", "metadata.labels", {"bad key": "x"}, "metadata.labels"),
    bad("label-value-long", "metadata.labels", {"a": "v" * 64}, "metadata.labels"),
    bad("label-value-number", "metadata.labels", {"a": 5}, "metadata.labels.a"),
    bad("annotation-value-number", "metadata.annotations", {"a": 5}, "metadata.annotations.a"),
    bad("annotation-key-bad", "metadata.annotations", {"-x": "v"}, "metadata.annotations"),
    bad("metadata-unknown", "metadata.colour", "blue", words="unknown field"),
    bad("top-level-unknown", "extra", 1, words="unknown field"),
    bad("spec-list", "spec", [1, 2]),
    bad("spec-string", "spec", "fast"),
    good("spec-empty", {"spec": {}}),
    good("spec-null", {"spec": None}),
    # engine
    bad("engine-type-uppercase", f"{E}.type", "Redis", words="plugin name"),
    bad("engine-type-number", f"{E}.type", 5),
    bad("engine-type-long", f"{E}.type", "r" * 33),
    ("engine-type-unknown", {f"{E}.type": "mongo"}, 2, f"{E}.type", "unknown engine", PLUGIN_ONLY),
    bad("engine-image-empty", f"{E}.image", ""),
    bad("engine-string", "spec.engine", "redis"),
    bad("replicas-zero", f"{E}.replicas", 0),
    bad("replicas-eight", f"{E}.replicas", 8),
    bad("replicas-bool", f"{E}.replicas", True, words="boolean"),
    bad("replicas-string", f"{E}.replicas", "2", words="without quotes"),
    bad("replicas-fraction", f"{E}.replicas", 2.5),
    bad("replicas-null-list", f"{E}.replicas", [2]),
    good("replicas-integral-float", {f"{E}.replicas": 2.0}),
    bad("server-threads-zero", f"{E}.serverThreads", 0),
    bad("server-threads-17", f"{E}.serverThreads", 17),
    bad("notify-no-e", f"{E}.notifyKeyspaceEvents", "K$", words="include E"),
    bad("notify-no-string", f"{E}.notifyKeyspaceEvents", "Eg", words="include $ or A"),
    bad("notify-bad-flag", f"{E}.notifyKeyspaceEvents", "E$q", words="flags"),
    bad("notify-empty", f"{E}.notifyKeyspaceEvents", ""),
    bad("notify-number", f"{E}.notifyKeyspaceEvents", 5),
    good("notify-all", {f"{E}.notifyKeyspaceEvents": "KEA"}),
    bad("database-16", f"{E}.database", 16),
    bad("database-negative", f"{E}.database", -1),
    bad("port-zero", f"{E}.port", 0),
    bad("port-70000", f"{E}.port", 70000),
    bad("secret-name-bad", f"{E}.authSecretRef", {"name": "Not_A_Name"}, f"{E}.authSecretRef.name"),
    bad("secret-name-missing", f"{E}.authSecretRef", {"key": "pw"}, f"{E}.authSecretRef.name"),
    bad(
        "secret-key-empty", f"{E}.authSecretRef", {"name": "s", "key": ""}, f"{E}.authSecretRef.key"
    ),
    bad("secret-extra", f"{E}.authSecretRef", {"name": "s", "nme": "t"}, f"{E}.authSecretRef.nme"),
    good("secret-ok", {f"{E}.authSecretRef": {"name": "mine", "key": "pw"}}),
    bad(
        "cpu-words",
        f"{E}.resources",
        {"limits": {"cpu": "lots"}},
        f"{E}.resources.limits.cpu",
        "quantity",
    ),
    bad(
        "memory-space",
        f"{E}.resources",
        {"requests": {"memory": "1 Gi"}},
        f"{E}.resources.requests.memory",
    ),
    bad(
        "memory-number",
        f"{E}.resources",
        {"requests": {"memory": 5}},
        f"{E}.resources.requests.memory",
    ),
    bad("resources-extra", f"{E}.resources", {"limit": {}}, f"{E}.resources.limit"),
    good("resources-ok", {f"{E}.resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}),
    bad(
        "node-selector-number",
        f"{E}.placement",
        {"nodeSelector": {"a": 1}},
        f"{E}.placement.nodeSelector.a",
    ),
    bad(
        "toleration-operator",
        f"{E}.placement",
        {"tolerations": [{"operator": "Maybe"}]},
        f"{E}.placement.tolerations[0].operator",
    ),
    bad(
        "toleration-effect",
        f"{E}.placement",
        {"tolerations": [{"effect": "Never"}]},
        f"{E}.placement.tolerations[0].effect",
    ),
    bad(
        "tolerations-17",
        f"{E}.placement",
        {"tolerations": [{"key": "k"}] * 17},
        f"{E}.placement.tolerations",
    ),
    bad(
        "anti-affinity",
        f"{E}.placement",
        {"antiAffinity": "sometimes"},
        f"{E}.placement.antiAffinity",
    ),
    # workload
    bad("key-mode", f"{W}.keyMode", "both", words="'shared' or 'unique'"),
    bad("rate-zero", f"{W}.rate", 0),
    bad("rate-high", f"{W}.rate", 200_001),
    bad("rate-true", f"{W}.rate", True, words="boolean"),
    bad("rate-string", f"{W}.rate", "100", words="without quotes"),
    bad("rate-words", f"{W}.rate", "fast"),
    bad("rate-fraction", f"{W}.rate", 100.5),
    bad("rate-negative", f"{W}.rate", -5),
    bad("rate-huge", f"{W}.rate", 2**70),
    good("rate-float-integral", {f"{W}.rate": 100.0}),
    bad("duration-zero", f"{W}.durationSeconds", 0),
    bad("duration-negative", f"{W}.durationSeconds", -1),
    bad("duration-day-plus", f"{W}.durationSeconds", 86_401),
    bad("duration-string", f"{W}.durationSeconds", "5s"),
    bad("duration-bool", f"{W}.durationSeconds", False),
    good("duration-fraction", {f"{W}.durationSeconds": 0.5}),
    writes("writes-zero", 0),
    writes("writes-10e15", 10**15),
    writes("writes-2e70", 2**70),
    writes("writes-true", True),
    ("duration-and-writes", {f"{W}.writes": 10}, 2, W, "not both", None),
    (
        "writes-at-bound",
        {f"{W}.durationSeconds": DELETE, f"{W}.writes": 3_599_900},
        0,
        "",
        "",
        None,
    ),
    (
        "writes-over-bound",
        {f"{W}.durationSeconds": DELETE, f"{W}.writes": 3_599_901},
        2,
        W,
        "a run holds",
        None,
    ),
    (
        "rate-times-day",
        {f"{W}.rate": 200_000, f"{W}.durationSeconds": 86_400},
        2,
        W,
        "a run holds",
        None,
    ),
    ("rate-times-duration-ok", {f"{W}.rate": 1000, f"{W}.durationSeconds": 3599}, 0, "", "", None),
    (
        "rate-times-duration-over",
        {f"{W}.rate": 1000, f"{W}.durationSeconds": 3600},
        2,
        W,
        "a run holds",
        None,
    ),
    bad("warmup-negative", f"{W}.warmupSeconds", -1),
    bad("warmup-hour-plus", f"{W}.warmupSeconds", 3601),
    bad("value-size-small", f"{W}.valueSize", 63),
    bad("value-size-large", f"{W}.valueSize", 1_048_577),
    bad("writers-zero", f"{W}.writers", 0),
    bad("writers-17", f"{W}.writers", 17),
    bad("target-replica-7", f"{W}.targetReplica", 7),
    bad("target-replica-negative", f"{W}.targetReplica", -1),
    bad("target-replica-beyond", f"{W}.targetReplica", 2, words="below engine.replicas"),
    bad("target-replica-read-only", f"{W}.targetReplica", 1, words="read-only"),
    good(
        "target-replica-keydb", {f"{E}.type": "keydb", f"{E}.replicas": 3, f"{W}.targetReplica": 2}
    ),
    bad("round-robin-redis", f"{W}.roundRobin", True, words="one primary"),
    (
        "round-robin-valkey",
        {f"{E}.type": "valkey", f"{W}.roundRobin": True},
        2,
        f"{W}.roundRobin",
        "one primary",
        None,
    ),
    good("round-robin-keydb", {f"{E}.type": "keydb", f"{W}.roundRobin": True}),
    bad("round-robin-string", f"{W}.roundRobin", "true", words="true or false"),
    bad("round-robin-number", f"{W}.roundRobin", 1, words="true or false"),
    bad("shared-key-space", f"{W}.sharedKey", "has space", words="key name"),
    bad("shared-key-empty", f"{W}.sharedKey", ""),
    bad("shared-key-long", f"{W}.sharedKey", "k" * 129),
    bad("handshake-key-slash", f"{W}.handshakeKey", "a/b"),
    bad("key-prefix-unicode", f"{W}.keyPrefix", "clé"),
    bad("key-ttl-low", f"{W}.keyTtlSeconds", 9),
    bad("key-ttl-high", f"{W}.keyTtlSeconds", 86_401),
    bad("workload-unknown", f"{W}.ratePerSecond", 5, words="unknown field"),
    bad("workload-list", W, [1]),
    # observers
    bad("observers-empty", O0, []),
    bad("observers-nine", O0, [{"name": f"o{i}", "mode": "sync"} for i in range(9)]),
    bad("observers-mapping", O0, {"name": "a", "mode": "sync"}),
    bad(
        "observers-duplicate",
        O0,
        [{"name": "a", "mode": "sync"}, {"name": "a", "mode": "async"}],
        f"{O0}[1].name",
        "used by another",
    ),
    bad(
        "observer-name-upper", O0, [{"name": "Sync", "mode": "sync"}], f"{O0}[0].name", "DNS label"
    ),
    bad("observer-name-41", O0, [{"name": "o" * 41, "mode": "sync"}], f"{O0}[0].name"),
    bad("observer-name-missing", O0, [{"mode": "sync"}], f"{O0}[0].name", "required"),
    bad("observer-mode-missing", O0, [{"name": "a"}], f"{O0}[0].mode", "required"),
    bad("observer-mode-pattern", O0, [{"name": "a", "mode": "Sync!"}], f"{O0}[0].mode"),
    (
        "observer-mode-unknown",
        {O0: [{"name": "a", "mode": "psychic"}]},
        2,
        f"{O0}[0].mode",
        "unknown observer mode",
        PLUGIN_ONLY,
    ),
    bad(
        "observer-replicas-zero",
        O0,
        [{"name": "a", "mode": "sync", "replicas": 0}],
        f"{O0}[0].replicas",
    ),
    bad(
        "observer-replicas-17",
        O0,
        [{"name": "a", "mode": "sync", "replicas": 17}],
        f"{O0}[0].replicas",
    ),
    bad(
        "observer-target-beyond",
        O0,
        [{"name": "a", "mode": "sync", "targetReplica": 2}],
        f"{O0}[0].targetReplica",
        "below engine.replicas",
    ),
    bad(
        "observer-handshake-string",
        O0,
        [{"name": "a", "mode": "sync", "handshake": "yes"}],
        f"{O0}[0].handshake",
    ),
    bad("observer-extra", O0, [{"name": "a", "mode": "sync", "rate": 5}], f"{O0}[0].rate"),
    bad("observer-string", O0, ["sync"], f"{O0}[0]"),
    good("observer-on-replica", {O0: [{"name": "a", "mode": "async", "targetReplica": 1}]}),
    # thresholds, validity, timeouts, cleanup, runNonce
    bad("p99-zero", "spec.thresholds", {"p99LatencyMs": 0}, "spec.thresholds.p99LatencyMs"),
    bad("p99-negative", "spec.thresholds", {"p99LatencyMs": -1}, "spec.thresholds.p99LatencyMs"),
    bad("p99-string", "spec.thresholds", {"p99LatencyMs": "5"}, "spec.thresholds.p99LatencyMs"),
    bad("p50-huge", "spec.thresholds", {"p50LatencyMs": 1e12}, "spec.thresholds.p50LatencyMs"),
    bad("max-missed-negative", "spec.thresholds", {"maxMissed": -1}, "spec.thresholds.maxMissed"),
    bad("max-missed-bool", "spec.thresholds", {"maxMissed": False}, "spec.thresholds.maxMissed"),
    bad("thresholds-extra", "spec.thresholds", {"p95LatencyMs": 1}, "spec.thresholds.p95LatencyMs"),
    good("thresholds-ok", {"spec.thresholds": {"p99LatencyMs": 50, "maxMissed": 3}}),
    bad(
        "clock-offset-zero",
        "spec.validity",
        {"maxClockOffsetMs": 0},
        "spec.validity.maxClockOffsetMs",
    ),
    bad(
        "shortfall-150",
        "spec.validity",
        {"maxRateShortfallPercent": 150},
        "spec.validity.maxRateShortfallPercent",
    ),
    bad(
        "convergence-string",
        "spec.validity",
        {"requireConvergence": "true"},
        "spec.validity.requireConvergence",
    ),
    bad(
        "engine-timeout-zero",
        "spec.timeouts",
        {"engineReadySeconds": 0},
        "spec.timeouts.engineReadySeconds",
    ),
    bad("run-timeout-huge", "spec.timeouts", {"runSeconds": 10**9}, "spec.timeouts.runSeconds"),
    bad("drain-hour-plus", "spec.timeouts", {"drainSeconds": 3601}, "spec.timeouts.drainSeconds"),
    bad("cleanup-never", "spec.cleanup", "Never"),
    bad("cleanup-lowercase", "spec.cleanup", "keep"),
    bad("nonce-64", "spec.runNonce", LONG),
    bad("nonce-number", "spec.runNonce", 5),
    good("nonce-slashes", {"spec.runNonce": "2024/01/01"}),
    good("nonce-space", {"spec.runNonce": "my run"}),
    good("nonce-timestamp", {"spec.runNonce": "2024-06-01T10:00"}),
    good("nonce-63-symbols", {"spec.runNonce": "#!$%&()*+,;=?@[]^_`{|}~" * 2 + "x" * 17}),
    good("nonce-unicode", {"spec.runNonce": "über-run"}),
]
