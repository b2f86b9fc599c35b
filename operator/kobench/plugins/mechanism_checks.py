"""The delivery mechanism's rules: it is installed, its variant exists, it can deliver the
command, and the engine's notify-keyspace-events hold the classes it listens to.

Checked with the other plugin rules (:mod:`.checks`): by ``kobench validate``, ``kobench run``
and the operator before it creates anything; the CRD restates them for the built-in mechanisms.
"""

from __future__ import annotations

from collections.abc import Iterable

from kobench.api import BenchmarkSpec
from kobench.errors import SpecError
from kobench.plugins.engines import Engine
from kobench.plugins.engines.engine_protocol import engine_lacks
from kobench.plugins.mechanisms import effective, get_mechanism
from kobench.plugins.mechanisms.commands import classes_of

FLAG_WORDS = {
    "K": "K (keyspace channels)",
    "E": "E (keyevent channels)",
    "$": "$ (string commands)",
    "g": "g (generic commands: del, expire)",
    "h": "h (hash commands)",
    "l": "l (list commands)",
    "t": "t (stream commands)",
    "x": "x (expired events)",
}


def _broken(fields: Iterable[str], *prefixes: str) -> bool:
    return any(f == p or f.startswith((p + ".", p + "[")) for f in fields for p in prefixes)


def delivery_errors(spec: BenchmarkSpec, *, broken: Iterable[str] = ()) -> list[SpecError]:
    """The mechanism's rules; a rule reading a field in ``broken`` is skipped."""
    broken = list(broken)
    if _broken(broken, "spec.delivery"):
        return []
    delivery = spec.delivery
    try:
        mechanism = get_mechanism(delivery.mechanism)
    except SpecError as exc:
        return [exc]
    name = mechanism.name
    if delivery.variant is not None and delivery.variant not in mechanism.variants:
        told = ", ".join(mechanism.variants) if mechanism.variants else "none"
        return [
            SpecError(
                "spec.delivery.variant",
                f"mechanism {name} has no variant {delivery.variant!r}; its variants: {told}",
            )
        ]
    if _broken(broken, "spec.workload", "spec.observers", "spec.engine.notifyKeyspaceEvents"):
        return []
    errors = []
    refusal = mechanism.refusal(spec)
    if refusal is not None:
        errors.append(SpecError(*refusal))
    flags = spec.engine.notify_keyspace_events
    missing = [c for c in mechanism.notify_classes(spec) if c not in classes_of(flags)]
    if missing:
        words = " and ".join(FLAG_WORDS.get(c, c) for c in missing)
        errors.append(
            SpecError(
                "spec.engine.notifyKeyspaceEvents",
                f"mechanism {name} with command {spec.workload.command} needs {words}; "
                f"{flags!r} lacks {'them' if len(missing) > 1 else 'it'}",
            )
        )
    return errors


def engine_feature_errors(spec: BenchmarkSpec, engine: Engine) -> list[SpecError]:
    """The mechanism needs a feature the engine is known to lack (KeyDB's sharded pub/sub):
    refused before anything starts, where the probe would only find it on a running engine."""
    try:
        mechanism = get_mechanism(spec.delivery.mechanism)
    except SpecError:
        return []  # told by delivery_errors
    lacks = engine_lacks(engine)
    return [
        SpecError(
            "spec.delivery.mechanism",
            f"engine {engine.name} has no {lacks[feature]}: mechanism {mechanism.name} needs "
            f"{feature}; use another mechanism (publish) or engine",
        )
        for feature in mechanism.features(effective(spec.delivery))
        if feature in lacks
    ]
