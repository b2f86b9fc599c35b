"""The corpus' resource cases: one change to a valid benchmark each (see ``corpus.py``);
the envelope, metadata and engine here, the rest in ``corpus_workload.py``.

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

ENVELOPE_AND_ENGINE: list[Row] = [
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
]
