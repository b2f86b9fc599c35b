"""Engine plugins, found through the ``kobench.engines`` entry-point group.

The group is read and each plugin loaded once per process (reading entry points scans every
installed distribution: about 10 ms a time, too much for a pass that runs ten times a second).
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points

from kobench.errors import SpecError
from kobench.plugins.engines.engine_protocol import Engine
from kobench.plugins.suggest import unknown_engine

GROUP = "kobench.engines"


@functools.cache
def _installed() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


@functools.cache
def _loaded(name: str) -> Engine:
    engine: Engine = _installed()[name].load()()
    return engine


def engine_names() -> list[str]:
    return sorted(_installed())


def get_engine(name: str) -> Engine:
    """The engine plugin called ``name``; unknown names fail naming the field and the choices."""
    if name in _installed():
        return _loaded(name)
    raise SpecError("spec.engine.type", unknown_engine(name, engine_names()))


__all__ = ["GROUP", "Engine", "engine_names", "get_engine"]
