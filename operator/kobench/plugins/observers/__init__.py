"""Observer plugins, found through the ``kobench.observers`` entry-point group (read once per
process, like the engines')."""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points

from kobench.errors import SpecError
from kobench.plugins.observers.book import EventBook
from kobench.plugins.observers.context import ObserverContext, Target
from kobench.plugins.observers.observer_protocol import ObserverStrategy
from kobench.plugins.suggest import unknown_mode

GROUP = "kobench.observers"


@functools.cache
def _installed() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def observer_names() -> list[str]:
    return sorted(_installed())


def get_observer(name: str, *, field: str = "spec.observers[].mode") -> ObserverStrategy:
    if name in _installed():
        strategy: ObserverStrategy = _installed()[name].load()()
        return strategy
    raise SpecError(field, unknown_mode(name, observer_names()))


__all__ = [
    "GROUP",
    "EventBook",
    "ObserverContext",
    "ObserverStrategy",
    "Target",
    "get_observer",
    "observer_names",
]
