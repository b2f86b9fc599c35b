"""The CRD's rules beyond the per-field schema: CEL rules that span fields and list maps.

They restate :mod:`kobench.api.cross_rules` and, for the built-in engines, the plugin rules of
:mod:`kobench.plugins.checks`; the parity test runs one corpus through both.
"""

from __future__ import annotations

from typing import Any

from kobench.api import DEFAULT_DURATION_SECONDS, MAX_WRITES
from kobench.api.cel_delivery import DELIVERY_RULES
from kobench.api.cel_target import OWN_RULES, TARGET_RULES
from kobench.api.matrix_spec import MAX_MATRIX_RUNS

Schema = dict[str, Any]

SINGLE_PRIMARY_ENGINES = ("redis", "valkey")
"""Built-in engines whose replica 0 is the only writable one (a test checks the plugins agree)."""
_SINGLE_PRIMARY = (
    "(has(self.engine) && has(self.engine.type) && self.engine.type in ["
    + ", ".join(f"'{name}'" for name in SINGLE_PRIMARY_ENGINES)
    + "])"
)
_PLANNED_WRITES = (
    "(has(self.rate) ? double(self.rate) : 1000.0) * "
    "(has(self.warmupSeconds) ? self.warmupSeconds : 1.0)"
    " + (has(self.writes) ? double(self.writes) : "
    "(has(self.rate) ? double(self.rate) : 1000.0) * "
    f"(has(self.durationSeconds) ? self.durationSeconds : {DEFAULT_DURATION_SECONDS}))"
)

_REPLICAS = "(has(self.engine) && has(self.engine.replicas) ? self.engine.replicas : 3)"
_MEASURED_SECONDS = (
    "(has(self.workload) && has(self.workload.writes) ? double(self.workload.writes) / "
    "(has(self.workload.rate) ? double(self.workload.rate) : 1000.0) : "
    "(has(self.workload) && has(self.workload.durationSeconds) ? self.workload.durationSeconds"
    f" : {DEFAULT_DURATION_SECONDS}))"
)
_FAULT_OBSERVER = (
    "(has(self.observers) ? self.observers.exists(o, o.name == f.observer && "
    "(has(f.instance) ? f.instance : 0) < (has(o.replicas) ? o.replicas : 1)) : "
    "f.observer in ['sync', 'async'] && (has(f.instance) ? f.instance : 0) == 0)"
)


def _needs(field: str, actions: list[str]) -> Schema:
    """A fault sets ``field`` exactly when its action is one of ``actions``."""
    listed = ", ".join(f"'{a}'" for a in actions)
    return {
        "rule": f"(self.action in [{listed}]) == has(self.{field})",
        "message": f"{field} is needed by {' and '.join(actions)} faults and taken by no other",
        "fieldPath": f".{field}",
        "reason": "FieldValueInvalid",
    }


# Cross-field rules (the same as kobench.api.cross_rules and, for the built-in engines, the plugin
# rules of kobench.plugins.checks), placed where the field is.
RULES: dict[str, list[Schema]] = {
    "spec.engine.notifyKeyspaceEvents": [
        {
            "rule": "self.contains('E')",
            "message": "must include E: observers listen on __keyevent@<db>__:set",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "self.contains('$') || self.contains('A')",
            "message": "must include $ or A: SET is a string command",
            "reason": "FieldValueInvalid",
        },
    ],
    "spec.workload": [
        {
            "rule": "!(has(self.durationSeconds) && has(self.writes))",
            "message": "set either durationSeconds or writes, not both",
            "reason": "FieldValueForbidden",
        },
        {
            "rule": f"{_PLANNED_WRITES} <= {float(MAX_WRITES)}",
            "message": "rate x (warmupSeconds + durationSeconds or writes) makes more writes per "
            f"writer than a run holds ({MAX_WRITES})",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "!has(self.conflict) || (has(self.writers) && self.writers >= 2)",
            "message": "conflict writes need at least 2 writers, each on its own master",
            "fieldPath": ".writers",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "!has(self.command) || self.command == 'set' || "
            "(has(self.keyMode) && self.keyMode == 'unique')",
            "message": "a command other than set needs keyMode unique: its event names the key",
            "fieldPath": ".keyMode",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "!has(self.conflict) || (has(self.keyMode) && self.keyMode == 'unique')",
            "message": "conflict writes need keyMode unique: each write's event is its own key",
            "fieldPath": ".keyMode",
            "reason": "FieldValueInvalid",
        },
    ],
    "spec": [
        {
            "rule": "!has(self.workload) || !has(self.workload.targetReplica) || "
            "self.workload.targetReplica < (has(self.engine) && has(self.engine.replicas) "
            "? self.engine.replicas : 3)",
            "message": "must be below engine.replicas",
            "fieldPath": ".workload.targetReplica",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "!has(self.observers) || self.observers.all(o, !has(o.targetReplica) || "
            "o.targetReplica < (has(self.engine) && has(self.engine.replicas) "
            "? self.engine.replicas : 3))",
            "message": "every observer's targetReplica must be below engine.replicas",
            "fieldPath": ".observers",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": f"!{_SINGLE_PRIMARY} || !has(self.workload) || "
            "!has(self.workload.roundRobin) || !self.workload.roundRobin",
            "message": "this engine has one primary; use keydb for multi-master",
            "fieldPath": ".workload.roundRobin",
            "reason": "FieldValueForbidden",
        },
        {
            "rule": f"!{_SINGLE_PRIMARY} || !has(self.workload) || !has(self.workload.conflict)",
            "message": "this engine has one primary: conflicting writes need a multi-master "
            "engine (engine.type: keydb)",
            "fieldPath": ".workload.conflict",
            "reason": "FieldValueForbidden",
        },
        {
            "rule": "!has(self.workload) || !has(self.workload.conflict) || "
            "(has(self.engine) && has(self.engine.replicas) ? self.engine.replicas : 3) >= 2",
            "message": "conflict writes need at least 2 masters",
            "fieldPath": ".engine.replicas",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": f"!{_SINGLE_PRIMARY} || !has(self.workload) || "
            "!has(self.workload.targetReplica) || self.workload.targetReplica == 0",
            "message": "replicas other than 0 of this engine are read-only; writable replicas: 0",
            "fieldPath": ".workload.targetReplica",
            "reason": "FieldValueInvalid",
        },
    ],
}

RULES["spec.faults[*]"] = [
    _needs("replica", ["killReplica", "pauseReplica", "dropSubscribers", "cutReplication"]),
    _needs("observer", ["killObserver"]),
    _needs("writer", ["killWriter"]),
    _needs("durationSeconds", ["pauseReplica", "cutReplication"]),
    {
        "rule": "!has(self.instance) || self.instance == 0 || self.action == 'killObserver'",
        "message": "instance is taken by killObserver faults only",
        "fieldPath": ".instance",
        "reason": "FieldValueInvalid",
    },
]
RULES["spec"] += [
    {
        "rule": "!has(self.faults) || self.faults.all(f, !has(f.replica) || "
        f"f.replica < {_REPLICAS})",
        "message": "every fault's replica must be below engine.replicas",
        "fieldPath": ".faults",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!{_SINGLE_PRIMARY} || !has(self.faults) || self.faults.all(f, "
        "f.action != 'cutReplication' || !has(f.replica) || f.replica != 0)",
        "message": "replica 0 of this engine is the primary: it has no replication link to cut",
        "fieldPath": ".faults",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!has(self.faults) || self.faults.all(f, !has(f.observer) || {_FAULT_OBSERVER})",
        "message": "a killObserver fault must name an observer of spec.observers and one of its "
        "instances",
        "fieldPath": ".faults",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": "!has(self.faults) || self.faults.all(f, !has(f.writer) || f.writer < "
        "(has(self.workload) && has(self.workload.writers) ? self.workload.writers : 1))",
        "message": "a killWriter fault's writer must be below workload.writers",
        "fieldPath": ".faults",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!has(self.faults) || self.faults.all(f, f.atSeconds < {_MEASURED_SECONDS} && "
        "f.atSeconds + (has(f.durationSeconds) ? f.durationSeconds : 0.0) <= "
        f"{_MEASURED_SECONDS})",
        "message": "every fault must start and end during the measured writes",
        "fieldPath": ".faults",
        "reason": "FieldValueInvalid",
    },
]
_NO_REPEAT = {
    "rule": "self.all(x, self.exists_one(y, y == x))",
    "message": "must not hold a value twice",
    "reason": "FieldValueDuplicate",
}


def _axis_size(field: str) -> str:
    return f"(has(self.{field}) ? size(self.{field}) : 1)"


_MATRIX_AXES = (
    "engines",
    "observerModes",
    "rates",
    "keyModes",
    "serverThreads",
    "tls",
    "mechanisms",
)
RULES["spec.matrix"] = [
    {
        "rule": " || ".join(f"has(self.{axis})" for axis in _MATRIX_AXES),
        "message": "set at least one axis: engines, observerModes, rates, keyModes, "
        "serverThreads, tls or mechanisms",
        "reason": "FieldValueRequired",
    },
    {
        "rule": " * ".join(_axis_size(axis) for axis in _MATRIX_AXES)
        + f" * (has(self.repetitions) ? self.repetitions : 4) <= {MAX_MATRIX_RUNS}",
        "message": f"cells x repetitions makes more runs than a matrix holds ({MAX_MATRIX_RUNS})",
        "reason": "FieldValueInvalid",
    },
]
for _axis in _MATRIX_AXES[1:]:
    RULES[f"spec.matrix.{_axis}"] = [dict(_NO_REPEAT)]
RULES["spec.matrix.engines"] = [
    {
        "rule": "self.all(e, self.exists_one(f, f.type == e.type && has(f.image) == has(e.image)"
        " && (!has(f.image) || f.image == e.image)))",
        "message": "must not hold an engine (type and image) twice",
        "reason": "FieldValueDuplicate",
    }
]

RULES["spec"].append(
    {
        "rule": "!has(self.matrix) || !has(self.baseline)",
        "message": "spec.baseline is not for a matrix: a matrix compares its own cells",
        "fieldPath": ".baseline",
        "reason": "FieldValueForbidden",
    }
)

RULES["spec.baseline"] = [
    {
        "rule": "has(self.resultFile) != has(self.resultsConfigMap)",
        "message": "set exactly one of resultFile (kobench run) and resultsConfigMap (in a "
        "cluster)",
        "reason": "FieldValueInvalid",
    }
]

RULES["spec"] += DELIVERY_RULES
RULES["spec"] += TARGET_RULES
RULES["spec.target"] = OWN_RULES

# Observer names are unique: a list-type map keyed by name makes the API server say so.
LIST_MAPS: dict[str, list[str]] = {"spec.observers": ["name"]}
