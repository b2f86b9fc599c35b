"""Pending and Deploying: the run's spec frozen and the engine started.

The executor starts what these ask for before it saves WaitingForEngine, under deterministic
names, so a failed save (or a restart) only means they are asked for again and found to exist.
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.run.actions import FreezeSpec, StartEngine
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.settings import Settings


def pending(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    del observed, settings
    if spec.target is not None:
        d.move("Deploying", f"measuring target {spec.engine.type} x{spec.engine.replicas}")
    else:
        d.move("Deploying", f"creating engine {spec.engine.type} x{spec.engine.replicas}")
    return ""


def deploying(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    """Freeze the run's spec and start the engine (a target has none to start); then wait."""
    del observed, settings
    if spec.target is not None:
        d.act(FreezeSpec())
        d.move("WaitingForEngine", f"using the target's {spec.engine.replicas} endpoints")
        return ""
    d.act(FreezeSpec(), StartEngine())
    d.move("WaitingForEngine", f"waiting for {spec.engine.replicas} engine replicas")
    return ""
