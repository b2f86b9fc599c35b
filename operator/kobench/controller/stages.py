"""The stages of a run, one function each: deploy the engine, wait for it, subscribe the
observers, run the writers (collecting is :mod:`.collect`). Each is idempotent: it creates what its
stage needs and is missing, by deterministic name, and moves on when its condition holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kobench.controller.collect import collect
from kobench.controller.state import Pass, fail, frozen_spec
from kobench.engines import get_engine
from kobench.runners.kubernetes import engine as engine_manifests
from kobench.runners.kubernetes import roles as role_manifests
from kobench.runners.kubernetes.observe import PodView, first_failure, views_by_name
from kobench.spec import BenchmarkSpec


async def deploy(p: Pass, spec: BenchmarkSpec) -> None:
    """Create the engine and the run configuration (idempotent)."""
    kube, names, owner = p.rt.kube, p.names, p.owner
    plugin = get_engine(spec.engine.type)
    await kube.create(role_manifests.build_run_config(names, owner, spec))
    if spec.engine.auth_secret_ref is None:
        secret = engine_manifests.build_secret(names, owner, engine_manifests.generate_password())
        await kube.create(secret)
    await kube.create(engine_manifests.build_engine_config(names, owner, spec, plugin))
    await kube.create(engine_manifests.build_service(names, owner, spec))
    await kube.create(
        engine_manifests.build_statefulset(names, owner, spec, plugin, p.rt.settings.role)
    )


@dataclass(frozen=True)
class Children:
    """The run's pods as observed in this pass, by role."""

    pods: dict[str, PodView]
    engine: list[PodView]
    observers: list[str]
    """Expected observer pod names."""
    writers: list[str]
    """Expected writer pod names."""

    def failure(self) -> str | None:
        roles = (self.pods[n] for n in self.observers + self.writers if n in self.pods)
        return first_failure([*self.engine, *roles])

    def ready(self, names: list[str]) -> int:
        return sum(1 for n in names if n in self.pods and self.pods[n].ready)


async def observe(p: Pass, spec: BenchmarkSpec) -> Children:
    names = p.names
    pods = views_by_name(await p.rt.kube.list_pods(p.namespace, names.run_selector()))
    engine = [pods[n] for n in map(names.engine_pod, range(spec.engine.replicas)) if n in pods]
    return Children(
        pods=pods,
        engine=engine,
        observers=[n for n, _, _ in role_manifests.observer_pods(names, spec)],
        writers=[n for n, _ in role_manifests.writer_pods(names, spec)],
    )


async def ensure_observers(p: Pass, spec: BenchmarkSpec, existing: dict[str, PodView]) -> None:
    for pod_name, observer, instance in role_manifests.observer_pods(p.names, spec):
        if pod_name not in existing:
            await p.rt.kube.create(
                role_manifests.build_observer_pod(
                    p.names, p.owner, spec, observer, instance, p.rt.settings.role
                )
            )


async def ensure_writers(p: Pass, spec: BenchmarkSpec, existing: dict[str, PodView]) -> None:
    for pod_name, writer_id in role_manifests.writer_pods(p.names, spec):
        if pod_name not in existing:
            await p.rt.kube.create(
                role_manifests.build_writer_pod(
                    p.names, p.owner, spec, writer_id, p.rt.settings.role
                )
            )


async def wait_for_engine(p: Pass, spec: BenchmarkSpec, children: Children) -> None:
    """WaitingForEngine: every replica answers PING; then the observers start."""
    replicas = spec.engine.replicas
    ready = sum(1 for v in children.engine if v.ready)
    if ready == replicas:
        p.condition("EngineReady", "True", "AllReplicasReady", f"{ready}/{ready} ready")
        await ensure_observers(p, spec, children.pods)
        p.move("Subscribing", f"waiting for {len(children.observers)} observers to subscribe")
    elif p.in_phase_seconds() > spec.timeouts.engine_ready_seconds:
        fail(
            p,
            "EngineTimeout",
            f"engine not ready within {spec.timeouts.engine_ready_seconds}s "
            f"({ready}/{replicas} replicas ready)",
        )
    else:
        p.condition("EngineReady", "False", "Starting", f"{ready}/{replicas} ready")


async def subscribe(p: Pass, spec: BenchmarkSpec, children: Children) -> None:
    """Subscribing: every observer confirmed its subscription; then, and only then, the writers."""
    await ensure_observers(p, spec, children.pods)
    expected = len(children.observers)
    ready = children.ready(children.observers)
    if ready == expected:
        p.condition("ObserversSubscribed", "True", "AllSubscribed", f"{ready} subscribed")
        await ensure_writers(p, spec, children.pods)
        p.move("Running", f"{len(children.writers)} writer(s) running")
    elif p.in_phase_seconds() > spec.timeouts.subscribe_seconds:
        fail(
            p,
            "SubscribeTimeout",
            f"observers not subscribed within "
            f"{spec.timeouts.subscribe_seconds}s ({ready}/{expected})",
        )
    else:
        p.condition("ObserversSubscribed", "False", "Subscribing", f"{ready}/{expected} subscribed")


STRAGGLER_GRACE_SECONDS = 10.0
"""Beyond the drain time, how long observers may wait after the last writer ended."""


def writers_ended_at(children: Children) -> datetime | None:
    """When the last writer ended, once every writer has; None while one still runs."""
    views = [children.pods.get(n) for n in children.writers]
    if not all(v is not None and v.succeeded for v in views):
        return None
    stamps = [v.finished_at for v in views if v is not None and v.finished_at is not None]
    return max(stamps, default=None)


async def run_writers(p: Pass, spec: BenchmarkSpec, children: Children) -> None:
    """Running: until every role pod has succeeded. A writer that could not write never
    announces its end, so observers still waiting well after the last writer ended are left
    behind and the run is collected with what there is (the writer's document says why)."""
    await ensure_writers(p, spec, children.pods)
    roles = children.observers + children.writers
    ended = writers_ended_at(children)
    waited = (datetime.now(UTC) - ended).total_seconds() if ended is not None else 0.0
    if all(n in children.pods and children.pods[n].succeeded for n in roles):
        p.move("Collecting", "roles finished; collecting results")
    elif waited > spec.timeouts.drain_seconds + STRAGGLER_GRACE_SECONDS:
        p.move("Collecting", f"writers ended {waited:.0f}s ago; collecting without stragglers")
    elif p.in_phase_seconds() > spec.run_seconds:
        fail(p, "RunTimeout", f"run did not finish within {spec.run_seconds:.0f}s")


STAGES = {"WaitingForEngine": wait_for_engine, "Subscribing": subscribe, "Running": run_writers}


async def step(p: Pass) -> None:
    """Advance the current run by at most one phase."""
    spec = await frozen_spec(p)
    phase = p.status.phase
    if phase == "Pending":
        p.move("Deploying", f"creating engine {spec.engine.type} x{spec.engine.replicas}")
    elif phase == "Deploying":
        await deploy(p, spec)
        p.move("WaitingForEngine", f"waiting for {spec.engine.replicas} engine replicas")
    elif phase in STAGES:
        children = await observe(p, spec)
        failure = children.failure()
        if failure:
            fail(p, "OOMKilled" if "OOMKilled" in failure else "ChildFailed", failure)
        else:
            await STAGES[phase](p, spec, children)
    elif phase == "Collecting":
        await collect(p, spec)
