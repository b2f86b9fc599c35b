"""Engine plugins, found through the ``kobench.engines`` entry-point group."""

from __future__ import annotations

from importlib.metadata import entry_points

from kobench.errors import SpecError
from kobench.plugins.engines.engine_protocol import Engine
from kobench.plugins.suggest import unknown_engine

GROUP = "kobench.engines"


def engine_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group=GROUP))


def get_engine(name: str) -> Engine:
    """The engine plugin called ``name``; unknown names fail naming the field and the choices."""
    for ep in entry_points(group=GROUP):
        if ep.name == name:
            engine: Engine = ep.load()()
            return engine
    raise SpecError("spec.engine.type", unknown_engine(name, engine_names()))


__all__ = ["GROUP", "Engine", "engine_names", "get_engine"]
