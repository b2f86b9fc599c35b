"""The built-in delivery mechanisms' rules in CEL, as :mod:`kobench.plugins.mechanism_checks`
states them in Python (a third-party mechanism's rules are checked by the operator only)."""

from __future__ import annotations

from typing import Any

_MECHANISM = (
    "(has(self.delivery) && has(self.delivery.mechanism) ? self.delivery.mechanism : 'keyevent')"
)
_ENGINE = "(has(self.engine) && has(self.engine.type) ? self.engine.type : 'keydb')"
_VARIANT = "(has(self.delivery) && has(self.delivery.variant) ? self.delivery.variant : '')"
_COMMAND = "(has(self.workload) && has(self.workload.command) ? self.workload.command : 'set')"
_KEY_MODE = "(has(self.workload) && has(self.workload.keyMode) ? self.workload.keyMode : 'shared')"
_FLAGS = (
    "(has(self.engine) && has(self.engine.notifyKeyspaceEvents) ? "
    "self.engine.notifyKeyspaceEvents : 'KE$')"
)
_CLASS = "{'set': '$', 'del': 'g', 'hset': 'h', 'lpush': 'l', 'xadd': 't', 'expire': 'x'}"
_WRITERS = "(has(self.workload) && has(self.workload.writers) ? self.workload.writers : 1)"
_ROUND_ROBIN = "(has(self.workload) && has(self.workload.roundRobin) && self.workload.roundRobin)"
VARIANTS = {
    "keyevent": [],
    "keyspace": [],
    "publish": [],
    "spublish": [],
    "tracking": ["resp3", "redirect"],
    "stream": ["group", "plain"],
}
"""Each built-in mechanism's variants (a test checks the plugins agree)."""


def _variants() -> str:
    cases = [
        f"({_MECHANISM} == '{name}' && {_VARIANT} in {['', *variants]!r})"
        for name, variants in VARIANTS.items()
    ]
    known = ", ".join(f"'{name}'" for name in VARIANTS)
    return f"!({_MECHANISM} in [{known}]) || " + " || ".join(cases)


DELIVERY_RULES: list[dict[str, Any]] = [
    {
        "rule": _variants(),
        "message": "this mechanism has no such variant (tracking: resp3 or redirect; stream: "
        "group or plain; the others: none)",
        "fieldPath": ".delivery.variant",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!({_MECHANISM} in ['publish', 'spublish', 'tracking', 'stream'] && "
        f"{_COMMAND} == 'expire')",
        "message": "this mechanism cannot deliver expire (use keyevent or keyspace)",
        "fieldPath": ".workload.command",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!({_MECHANISM} in ['keyevent', 'keyspace']) || "
        f"{_FLAGS}.contains({_CLASS}[{_COMMAND}]) || {_FLAGS}.contains('A')",
        "message": "notifyKeyspaceEvents lacks the class of the command's event (g del, h hset, "
        "l lpush, t xadd, x expire; or A)",
        "fieldPath": ".engine.notifyKeyspaceEvents",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!({_ENGINE} == 'keydb' && {_MECHANISM} == 'spublish')",
        "message": "engine keydb has no sharded pub/sub (SPUBLISH/SSUBSCRIBE came with Redis 7; "
        "KeyDB 6.3 is based on Redis 6.2): use mechanism publish, or engine redis or valkey",
        "fieldPath": ".delivery.mechanism",
        "reason": "FieldValueForbidden",
    },
    {
        "rule": f"{_MECHANISM} != 'keyspace' || {_FLAGS}.contains('K')",
        "message": "mechanism keyspace needs K (keyspace channels) in notifyKeyspaceEvents",
        "fieldPath": ".engine.notifyKeyspaceEvents",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!({_MECHANISM} == 'tracking' && {_KEY_MODE} == 'shared' && "
        f"({_WRITERS} > 1 || {_ROUND_ROBIN}))",
        "message": "tracking in keyMode shared needs one writer on one master",
        "fieldPath": ".workload.writers",
        "reason": "FieldValueInvalid",
    },
    {
        "rule": f"!({_MECHANISM} == 'stream' && {_VARIANT} != 'plain' && "
        f"{_KEY_MODE} == 'shared' && has(self.observers) && "
        "self.observers.exists(o, has(o.replicas) && o.replicas > 1))",
        "message": "a stream group's consumers each get a share of the writes: keyMode shared "
        "needs one replica per observer",
        "fieldPath": ".observers",
        "reason": "FieldValueInvalid",
    },
]
