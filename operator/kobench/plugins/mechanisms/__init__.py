"""Delivery mechanism plugins, found through the ``kobench.mechanisms`` entry-point group and
resolved once per process, like the engines.

The built-in mechanisms are listed in ``pyproject.toml`` and again in :data:`BUILT_IN` (a test
keeps the two equal): an installation whose metadata predates the group (an editable install
made before it existed) still has them; an installed plugin of the same name takes their place.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points

from kobench.api import Delivery
from kobench.errors import SpecError
from kobench.plugins.mechanisms.mechanism_protocol import (
    FIGURES,
    GUARANTEES,
    Guarantee,
    Mechanism,
)

GROUP = "kobench.mechanisms"
BUILT_IN = {
    "keyevent": "kobench.plugins.mechanisms.pubsub_kinds:KeyeventMechanism",
    "keyspace": "kobench.plugins.mechanisms.pubsub_kinds:KeyspaceMechanism",
    "publish": "kobench.plugins.mechanisms.pubsub_kinds:PublishMechanism",
    "spublish": "kobench.plugins.mechanisms.pubsub_kinds:SpublishMechanism",
    "tracking": "kobench.plugins.mechanisms.tracking:TrackingMechanism",
    "stream": "kobench.plugins.mechanisms.streams:StreamMechanism",
}


@functools.cache
def _installed() -> dict[str, EntryPoint]:
    found = {name: EntryPoint(name, value, GROUP) for name, value in BUILT_IN.items()}
    found.update({ep.name: ep for ep in entry_points(group=GROUP)})
    return found


@functools.cache
def _loaded(name: str) -> Mechanism:
    mechanism: Mechanism = _installed()[name].load()()
    return mechanism


def mechanism_names() -> list[str]:
    return sorted(_installed())


def get_mechanism(name: str, *, field: str = "spec.delivery.mechanism") -> Mechanism:
    """The mechanism plugin called ``name``; unknown names fail naming the field and choices."""
    if name in _installed():
        return _loaded(name)
    raise SpecError(
        field, f"unknown delivery mechanism {name!r}; installed: {', '.join(mechanism_names())}"
    )


def variant_of(delivery: Delivery) -> str | None:
    """The variant that runs: the one asked for, else the mechanism's first (None: it has none)."""
    if delivery.variant is not None:
        return delivery.variant
    variants = get_mechanism(delivery.mechanism).variants
    return variants[0] if variants else None


def effective(delivery: Delivery) -> Delivery:
    """``delivery`` with its variant spelled out (what the results say ran)."""
    return delivery.model_copy(update={"variant": variant_of(delivery)})


def guarantee_of(delivery: Delivery) -> Guarantee:
    return get_mechanism(delivery.mechanism).guarantee(effective(delivery))


__all__ = [
    "BUILT_IN",
    "FIGURES",
    "GROUP",
    "GUARANTEES",
    "Guarantee",
    "Mechanism",
    "effective",
    "get_mechanism",
    "guarantee_of",
    "mechanism_names",
    "variant_of",
]
