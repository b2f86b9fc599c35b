"""Hostile benchmark files for the features added after the first input corpus: matrices,
baselines, fault schedules, and plugin names of the wrong case. Each case changes a valid
one-second benchmark and names the field its answer must name, with words it must hold.
Self-contained (the first corpus lives in tests/inputs)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

BASE: dict[str, Any] = {
    "apiVersion": "kobench.io/v1alpha1",
    "kind": "KeyDBObserverBenchmark",
    "metadata": {"name": "hostile"},
    "spec": {
        "engine": {"type": "redis", "replicas": 2},
        "workload": {"rate": 100, "durationSeconds": 1},
        "observers": [{"name": "sync", "mode": "sync"}],
    },
}
DROP = object()


@dataclass(frozen=True)
class Spec:
    id: str
    changes: dict[str, Any]
    field: str
    words: str


def document(changes: dict[str, Any]) -> dict[str, Any]:
    """BASE with ``{"spec.workload.rate": 0}`` applied (DROP removes the key)."""
    found = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = found
        for part in parents:
            node = node.setdefault(part, {})
        if value is DROP:
            node.pop(last, None)
        else:
            node[last] = value
    return found


M, B, F = "spec.matrix", "spec.baseline", "spec.faults"
KEYDB2 = {"spec.engine.type": "keydb"}


def matrix(case: str, value: Any, field: str, words: str, **more: Any) -> Spec:
    return Spec(f"matrix-{case}", {M: value, **more}, field, words)


def baseline(case: str, value: Any, field: str, words: str) -> Spec:
    return Spec(f"baseline-{case}", {B: value}, field, words)


def faults(case: str, value: Any, field: str, words: str, **more: Any) -> Spec:
    return Spec(f"faults-{case}", {F: value, **more}, field, words)


def fault(**fields: Any) -> list[dict[str, Any]]:
    return [{"atSeconds": 0.5, **fields}]


SPECS: list[Spec] = [
    matrix("empty", {}, M, "set at least one axis"),
    matrix("null-axis", {"rates": None}, M, "set at least one axis"),
    matrix("not-a-mapping", "yes", M, "mapping"),
    matrix("a-list", [100, 200], M, "mapping"),
    matrix("rates-empty", {"rates": []}, f"{M}.rates", "at least 1"),
    matrix("rate-zero", {"rates": [0]}, f"{M}.rates[0]", "greater than or equal to 1"),
    matrix("rate-string", {"rates": ["fast"]}, f"{M}.rates[0]", "integer"),
    matrix("rate-bool", {"rates": [True]}, f"{M}.rates[0]", "boolean"),
    matrix("rate-float", {"rates": [100.5]}, f"{M}.rates[0]", "integer"),
    matrix("rate-huge", {"rates": [10**9]}, f"{M}.rates[0]", "less than or equal to 200000"),
    matrix("rate-twice", {"rates": [100, 100]}, f"{M}.rates[1]", "already on the axis"),
    matrix("rates-mapping", {"rates": {"a": 1}}, f"{M}.rates", "list"),
    matrix("seventeen-rates", {"rates": list(range(1, 18))}, f"{M}.rates", "at most 16"),
    matrix(
        "too-many-runs",
        {"rates": list(range(1, 17)), "observerModes": ["sync", "async"], "repetitions": 100},
        M,
        "at most 400",
    ),
    matrix("repetitions-zero", {"rates": [1, 2], "repetitions": 0}, f"{M}.repetitions", "1"),
    matrix("repetitions-101", {"rates": [1, 2], "repetitions": 101}, f"{M}.repetitions", "100"),
    matrix("repetitions-string", {"rates": [1], "repetitions": "4"}, f"{M}.repetitions", "int"),
    matrix("engine-unknown", {"engines": [{"type": "mongo"}]}, f"{M}.engines[0].type", "unknown"),
    matrix(
        "engine-case", {"engines": [{"type": "Valkey"}]}, f"{M}.engines[0].type", "mean valkey?"
    ),
    matrix(
        "engine-typo", {"engines": [{"type": "valkee"}]}, f"{M}.engines[0].type", "mean valkey?"
    ),
    matrix(
        "engine-image-empty",
        {"engines": [{"type": "redis", "image": ""}]},
        f"{M}.engines[0].image",
        "at least 1",
    ),
    matrix("engine-extra", {"engines": [{"type": "redis", "tag": 7}]}, f"{M}.engines[0].tag", ""),
    matrix("engine-no-type", {"engines": [{"image": "r:7"}]}, f"{M}.engines[0].type", "required"),
    matrix(
        "engine-twice",
        {"engines": [{"type": "redis"}, {"type": "redis"}]},
        f"{M}.engines[1]",
        "already on the axis",
    ),
    matrix("engine-string", {"engines": ["redis"]}, f"{M}.engines[0]", ""),
    matrix("mode-unknown", {"observerModes": ["psychic"]}, f"{M}.observerModes[0]", "unknown"),
    matrix("mode-case", {"observerModes": ["Sync"]}, f"{M}.observerModes[0]", "mean sync?"),
    matrix("mode-typo", {"observerModes": ["asynk"]}, f"{M}.observerModes[0]", "mean async?"),
    matrix("mode-twice", {"observerModes": ["sync", "sync"]}, f"{M}.observerModes[1]", "already"),
    matrix("key-mode-bad", {"keyModes": ["both"]}, f"{M}.keyModes[0]", "'shared' or 'unique'"),
    matrix(
        "key-modes-three", {"keyModes": ["shared", "unique", "shared"]}, f"{M}.keyModes", "at most"
    ),
    matrix("threads-zero", {"serverThreads": [0]}, f"{M}.serverThreads[0]", "1"),
    matrix("threads-seventeen", {"serverThreads": [17]}, f"{M}.serverThreads[0]", "16"),
    matrix("unknown-axis", {"colors": ["red"]}, f"{M}.colors", "unknown field"),
    matrix(
        "cell-too-many-writes",
        {"rates": [100, 200000]},
        "spec.workload",
        "in matrix cell rate=200000",
        **{"spec.workload.durationSeconds": 20},
    ),
    matrix(
        "cell-round-robin-on-redis",
        {"engines": [{"type": "keydb"}, {"type": "redis"}]},
        "spec.workload.roundRobin",
        "in matrix cell engine=redis",
        **{**KEYDB2, "spec.workload.roundRobin": True},
    ),
    matrix(
        "with-a-baseline",
        {"rates": [100, 200]},
        B,
        "not with spec.matrix",
        **{B: {"resultFile": "a.json", "p99Ratio": 2}},
    ),
    baseline("not-a-mapping", "last.json", B, "mapping"),
    baseline("a-list", ["last.json"], B, "mapping"),
    baseline("ratio-below-one", {"resultFile": "a.json", "p50Ratio": 0.5}, f"{B}.p50Ratio", "1"),
    baseline("ratio-string", {"resultFile": "a.json", "p99Ratio": "x"}, f"{B}.p99Ratio", "number"),
    baseline("ratio-nan", {"resultFile": "a.json", "p99Ratio": float("nan")}, f"{B}.p99Ratio", ""),
    baseline("ratio-inf", {"resultFile": "a.json", "p99Ratio": float("inf")}, f"{B}.p99Ratio", ""),
    baseline("ratio-bool", {"resultFile": "a.json", "p99Ratio": True}, f"{B}.p99Ratio", "boolean"),
    baseline("plus-negative", {"resultFile": "a.json", "p99PlusMs": -1}, f"{B}.p99PlusMs", "0"),
    baseline("plus-huge", {"resultFile": "a.json", "p50PlusMs": 1e12}, f"{B}.p50PlusMs", "3600000"),
    baseline(
        "missed-negative",
        {"resultFile": "a.json", "maxMissedIncrease": -1},
        f"{B}.maxMissedIncrease",
        "0",
    ),
    baseline("file-empty", {"resultFile": ""}, f"{B}.resultFile", "at least 1"),
    baseline("file-long", {"resultFile": "a" * 5000}, f"{B}.resultFile", "at most 4096"),
    baseline("file-number", {"resultFile": 7}, f"{B}.resultFile", "string"),
    baseline(
        "configmap-name",
        {"resultsConfigMap": "Last_Good"},
        f"{B}.resultsConfigMap",
        "DNS subdomain",
    ),
    baseline("unknown-field", {"resultFile": "a.json", "ratio": 2}, f"{B}.ratio", "unknown"),
    faults("not-a-list", {"atSeconds": 0.5, "action": "killReplica"}, F, "list"),
    faults("item-string", ["killReplica"], f"{F}[0]", ""),
    faults("action-case", fault(action="killreplica", replica=1), f"{F}[0].action", "killReplica"),
    faults("action-unknown", fault(action="explode"), f"{F}[0].action", "killReplica"),
    faults(
        "at-nan",
        [{"atSeconds": float("nan"), "action": "killReplica", "replica": 1}],
        f"{F}[0].atSeconds",
        "",
    ),
    faults(
        "at-inf",
        [{"atSeconds": float("inf"), "action": "killReplica", "replica": 1}],
        f"{F}[0].atSeconds",
        "",
    ),
    faults(
        "at-string",
        [{"atSeconds": "soon", "action": "killReplica", "replica": 1}],
        f"{F}[0].atSeconds",
        "number",
    ),
    faults(
        "duration-nan",
        fault(action="pauseReplica", replica=0, durationSeconds=float("nan")),
        f"{F}[0].durationSeconds",
        "",
    ),
    faults(
        "duration-zero",
        fault(action="pauseReplica", replica=0, durationSeconds=0),
        f"{F}[0].durationSeconds",
        "",
    ),
    faults(
        "instance-string",
        fault(action="killObserver", observer="sync", instance="one"),
        f"{F}[0].instance",
        "integer",
    ),
    faults("writer-bool", fault(action="killWriter", writer=True), f"{F}[0].writer", "boolean"),
    faults(
        "observer-case",
        fault(action="killObserver", observer="Sync"),
        f"{F}[0].observer",
        "DNS label",
    ),
    faults(
        "extra-field",
        fault(action="killReplica", replica=1, signal=9),
        f"{F}[0].signal",
        "unknown field",
    ),
    faults(
        "replica-string", fault(action="killReplica", replica="one"), f"{F}[0].replica", "integer"
    ),
    faults(
        "second-out-of-range",
        [
            *fault(action="killReplica", replica=1),
            {"atSeconds": 0.7, "action": "killReplica", "replica": 9},
        ],
        f"{F}[1].replica",
        "",
    ),
    faults(
        "kill-the-only-writer-twice",
        [*fault(action="killWriter", writer=0), *fault(action="killWriter", writer=1)],
        f"{F}[1].writer",
        "below workload.writers",
    ),
    Spec("engine-case", {"spec.engine.type": "KeyDB"}, "spec.engine.type", "mean keydb?"),
    Spec("engine-upper", {"spec.engine.type": "REDIS"}, "spec.engine.type", "mean redis?"),
    Spec("engine-typo", {"spec.engine.type": "keydbb"}, "spec.engine.type", "mean keydb?"),
    Spec("engine-far", {"spec.engine.type": "Dragonfly"}, "spec.engine.type", "plugin name"),
    Spec(
        "mode-case",
        {"spec.observers": [{"name": "sync", "mode": "Async"}]},
        "spec.observers[0].mode",
        "mean async?",
    ),
    Spec(
        "mode-upper",
        {"spec.observers": [{"name": "sync", "mode": "SYNC"}]},
        "spec.observers[0].mode",
        "mean sync?",
    ),
    Spec(
        "mode-typo-second",
        {"spec.observers": [{"name": "a", "mode": "sync"}, {"name": "b", "mode": "sinc"}]},
        "spec.observers[1].mode",
        "mean sync?",
    ),
]


MULTI: dict[str, tuple[dict[str, Any], list[str]]] = {
    # Before: 5 of its 9 problems were told.
    "nine": (
        {
            "spec.workload": {
                "rate": "fast",
                "durationSeconds": 2,
                "roundRobin": True,
                "conflict": {"keys": 10},
            },
            "spec.observers": [
                {"name": "sync", "mode": "sinc"},
                {"name": "far", "mode": "async", "replicas": "two"},
            ],
            F: [{"atSeconds": 9, "action": "killWriter", "writer": 3}],
        },
        [
            "spec.workload.rate",
            "spec.observers[1].replicas",
            "spec.workload.writers",
            "spec.workload.keyMode",
            "spec.faults[0].writer",
            "spec.faults[0].atSeconds",
            "spec.workload.roundRobin",
            "spec.workload.conflict",
            "spec.observers[0].mode",
        ],
    ),
    # Before: 3 of 5.
    "five": (
        {
            "spec.engine": {"type": "KeyDB", "replicas": 3},
            "spec.workload.targetReplica": 4,
            "spec.observers": [{"name": "sync", "mode": "Sync"}],
            F: [{"atSeconds": 3, "action": "pauseReplica", "replica": 5, "durationSeconds": 1}],
        },
        [
            "spec.engine.type",
            "spec.observers[0].mode",
            "spec.workload.targetReplica",
            "spec.faults[0].replica",
            "spec.faults[0].atSeconds",
        ],
    ),
    # Before: 3 of 5.
    "matrix": (
        {
            M: {
                "engines": [{"type": "Redis"}, {"type": "valkee"}],
                "observerModes": ["Async", "sinc"],
                "repetitions": 0,
            }
        },
        [
            "spec.matrix.repetitions",
            "spec.matrix.engines[0].type",
            "spec.matrix.engines[1].type",
            "spec.matrix.observerModes[0]",
            "spec.matrix.observerModes[1]",
        ],
    ),
    # Before: 6 of 10.
    "ten": (
        {
            "metadata.name": "Multi_Bad",
            "spec.workload": {
                "rate": "fast",
                "durationSeconds": 1,
                "roundRobin": True,
                "targetReplica": 1,
            },
            "spec.observers": [
                {"name": "sync", "mode": "sinc"},
                {"name": "sync", "mode": "async", "targetReplica": 5},
            ],
            "spec.thresholds": {"p99LatencyMs": -1},
            F: [{"atSeconds": 5, "action": "killObserver", "observer": "nobody"}],
        },
        [
            "metadata.name",
            "spec.workload.rate",
            "spec.thresholds.p99LatencyMs",
            "spec.observers[1].targetReplica",
            "spec.observers[1].name",
            "spec.faults[0].observer",
            "spec.faults[0].atSeconds",
            "spec.observers[0].mode",
            "spec.workload.roundRobin",
            "spec.workload.targetReplica",
        ],
    ),
    # Before: 3 of 4.
    "baseline": (
        {
            "spec.workload.durationSeconds": "long",
            "spec.observers": [{"name": "sync", "mode": "Sync"}],
            B: {"resultFile": "a.json", "resultsConfigMap": "b", "p99Ratio": 0.5},
        },
        [
            "spec.workload.durationSeconds",
            "spec.observers[0].mode",
            "spec.baseline.p99Ratio",
            "spec.baseline",
        ],
    ),
}
"""Files with several problems, and every field the one answer must name."""
