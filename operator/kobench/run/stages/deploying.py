"""Pending and Deploying: the run's configuration and the engine, created by deterministic name.

The children are built by the pure manifest builders of :mod:`kobench.run.pods`; the
executor creates them before it saves WaitingForEngine, so a failed save (or a restart) only
means they are asked for again and found to exist.
"""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.plugins.engines import get_engine
from kobench.run.actions import Create
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.pods import engine_manifests, role_manifests, services
from kobench.run.settings import Settings


def pending(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    del observed, settings
    d.move("Deploying", f"creating engine {spec.engine.type} x{spec.engine.replicas}")


def deploying(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> None:
    """Create the run configuration and the engine; then wait for it."""
    names, owner = d.names, d.resource.owner
    plugin = get_engine(spec.engine.type)
    d.act(Create(role_manifests.build_run_config(names, owner, spec)))
    if spec.engine.auth_secret_ref is None:
        d.act(Create(engine_manifests.build_secret(names, owner, observed.password)))
    d.act(
        Create(engine_manifests.build_engine_config(names, owner, spec, plugin)),
        *(Create(service) for service in services.build_services(names, owner, spec)),
        Create(engine_manifests.build_statefulset(names, owner, spec, plugin, settings.role)),
    )
    d.move("WaitingForEngine", f"waiting for {spec.engine.replicas} engine replicas")
