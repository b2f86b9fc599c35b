"""Observer plugins, found through the ``kobench.observers`` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points

from kobench.errors import SpecError
from kobench.plugins.observers.book import EventBook
from kobench.plugins.observers.context import ObserverContext, Target
from kobench.plugins.observers.observer_protocol import ObserverStrategy
from kobench.plugins.suggest import unknown_mode

GROUP = "kobench.observers"


def observer_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def get_observer(name: str, *, field: str = "spec.observers[].mode") -> ObserverStrategy:
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            strategy: ObserverStrategy = ep.load()()
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
