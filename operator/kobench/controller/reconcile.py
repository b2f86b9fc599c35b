"""One idempotent reconcile of a benchmark: look at the world, take the next step, write status.

Every handler ends up here. The phase in status says where the run is; each pass re-reads the
children, creates whatever the phase needs and is missing (by deterministic name, so a repeated
pass or a restarted operator creates nothing twice), and moves on when the phase's condition holds.

Spec changes: a run uses the spec as it was when the run started (frozen in the run ConfigMap).
Changing ``spec.runNonce`` ends the current run (its children are deleted, it is recorded in the
history as superseded) and starts a new one; any other change applies to the next run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

from kobench.controller.collect import collect
from kobench.controller.finish import cleanup, finish, restore_metrics, superseded
from kobench.controller.runtime import Runtime, now_text, parse_time
from kobench.engines import get_engine
from kobench.errors import SpecError, SpecErrors
from kobench.roles.config import RoleConfig
from kobench.runners.kubernetes import engine as engine_manifests
from kobench.runners.kubernetes import roles as role_manifests
from kobench.runners.kubernetes.names import RunNames, run_id_for
from kobench.runners.kubernetes.objects import Owner
from kobench.runners.kubernetes.observe import first_failure, views_by_name
from kobench.runners.kubernetes.status import (
    TERMINAL_PHASES,
    BenchmarkStatus,
    bounded_reasons,
    set_condition,
)
from kobench.spec import BenchmarkSpec, parse_spec

Obj = dict[str, Any]


def read_status(body: Obj) -> BenchmarkStatus:
    raw = {k: v for k, v in (body.get("status") or {}).items() if k in _STATUS_KEYS}
    try:
        return BenchmarkStatus.model_validate(raw)
    except ValueError:
        return BenchmarkStatus()


_STATUS_KEYS = {f.alias or n for n, f in BenchmarkStatus.model_fields.items()}


class Pass:
    """The state of one reconcile pass over one benchmark."""

    def __init__(self, rt: Runtime, body: Obj, now: dt.datetime) -> None:
        self.rt = rt
        self.body = body
        meta = body["metadata"]
        self.name: str = meta["name"]
        self.namespace: str = meta["namespace"]
        self.generation: int = int(meta.get("generation", 1))
        self.owner = Owner(self.name, self.namespace, meta["uid"])
        self.now = now
        self.original = read_status(body)
        self.status = self.original.model_copy(deep=True)
        self.status.observed_generation = self.generation

    @property
    def names(self) -> RunNames:
        return RunNames(self.name, self.status.run_id)

    # --- status helpers ----------------------------------------------------------------------

    def condition(self, type_: str, status: Any, reason: str, message: str = "") -> None:
        self.status.conditions = set_condition(
            self.status.conditions,
            type=type_,
            status=status,
            reason=reason,
            message=message,
            now=now_text(self.now),
            generation=self.status.run_generation or self.generation,
        )

    def move(self, phase: Any, message: str, *, warning: bool = False) -> None:
        """Enter ``phase``; an Event tells the user."""
        if self.status.phase == phase and self.status.message == message:
            return
        self.status.phase = phase
        self.status.message = message
        self.status.phase_since = now_text(self.now)
        self.rt.post_event(self.body, "Warning" if warning else "Normal", str(phase), message)

    def in_phase_seconds(self) -> float:
        since = parse_time(self.status.phase_since) or self.now
        return (self.now - since).total_seconds()

    def changed(self) -> bool:
        return self.status != self.original

    def status_patch(self) -> Obj:
        patch: Obj = self.status.model_dump(by_alias=True, mode="json")
        return patch


async def frozen_spec(p: Pass) -> BenchmarkSpec:
    """The spec the current run started with."""
    run_id = p.status.run_id
    cached = p.rt.specs.get(run_id)
    if cached is not None:
        return cached
    cm = await p.rt.kube.get_config_map(p.namespace, p.names.run_config)
    if cm is not None and "run.json" in (cm.get("data") or {}):
        spec = RoleConfig.model_validate(json.loads(cm["data"]["run.json"])).spec
    else:
        spec = parse_spec(p.body.get("spec"))
    p.rt.specs[run_id] = spec
    return spec


def wants_new_run(p: Pass) -> bool:
    nonce = str((p.body.get("spec") or {}).get("runNonce", ""))
    status = p.status
    if not status.run_id or status.phase is None:
        return True
    if nonce != status.run_nonce:
        return True
    # A spec that was invalid and has been fixed starts the run it could not start before.
    return status.phase == "Error" and status.run_generation != p.generation


def start_run(p: Pass) -> BenchmarkSpec | None:
    """Begin a new run in status (children come in the next steps); None if the spec is invalid."""
    status = p.status
    status.run_nonce = str((p.body.get("spec") or {}).get("runNonce", ""))
    status.run_generation = p.generation
    status.run_id = run_id_for(p.owner.uid, status.run_nonce, p.generation)
    status.started_at = now_text(p.now)
    status.finished_at = ""
    status.verdict = None
    status.reasons = []
    status.summary = None
    status.engine = None
    status.results_config_map = ""
    status.conditions = []
    try:
        spec = parse_spec(p.body.get("spec"))
        get_engine(spec.engine.type)
    except SpecError as exc:
        errors = exc.errors if isinstance(exc, SpecErrors) else [exc]
        status.reasons = bounded_reasons([str(e) for e in errors])
        p.condition("Complete", "True", "InvalidSpec", "; ".join(status.reasons))
        p.condition("Passed", "False", "InvalidSpec", "the spec is invalid")
        p.move("Error", f"invalid spec: {status.reasons[0]}", warning=True)
        p.rt.metrics.finished.labels(verdict="Error").inc()
        return None
    p.rt.specs[status.run_id] = spec
    for type_ in ("EngineReady", "ObserversSubscribed", "Passed"):
        p.condition(type_, "Unknown", "RunStarted")
    p.condition("Complete", "False", "RunStarted", f"run {status.run_id}")
    p.move("Pending", f"run {status.run_id} started (runNonce {status.run_nonce!r})")
    return spec


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


def fail(p: Pass, reason: str, detail: str) -> None:
    p.status.verdict = "Failed"
    p.status.reasons = bounded_reasons([detail])
    p.condition("Complete", "True", reason, detail)
    p.condition("Passed", "False", reason, detail)
    p.move("Failed", detail, warning=True)


async def step(p: Pass) -> None:
    """Advance the current run by at most one phase."""
    spec = await frozen_spec(p)
    names, kube, phase = p.names, p.rt.kube, p.status.phase
    timeouts = spec.timeouts
    if phase == "Pending":
        p.move("Deploying", f"creating engine {spec.engine.type} x{spec.engine.replicas}")
        return
    if phase == "Deploying":
        await deploy(p, spec)
        p.move("WaitingForEngine", f"waiting for {spec.engine.replicas} engine replicas")
        return
    pods = views_by_name(await kube.list_pods(p.namespace, names.run_selector()))
    engine_pods = [
        pods[n] for n in (names.engine_pod(i) for i in range(spec.engine.replicas)) if n in pods
    ]
    observer_names = [n for n, _, _ in role_manifests.observer_pods(names, spec)]
    writer_names = [n for n, _ in role_manifests.writer_pods(names, spec)]
    failure = first_failure(
        [*engine_pods, *(pods[n] for n in observer_names + writer_names if n in pods)]
    )
    if failure and phase in ("WaitingForEngine", "Subscribing", "Running"):
        reason = "OOMKilled" if "OOMKilled" in failure else "ChildFailed"
        fail(p, reason, failure)
        return
    if phase == "WaitingForEngine":
        ready = sum(1 for v in engine_pods if v.ready)
        if ready == spec.engine.replicas:
            p.condition("EngineReady", "True", "AllReplicasReady", f"{ready}/{ready} ready")
            for manifest_args in role_manifests.observer_pods(names, spec):
                _, observer, instance = manifest_args
                await kube.create(
                    role_manifests.build_observer_pod(
                        names, p.owner, spec, observer, instance, p.rt.settings.role
                    )
                )
            p.move("Subscribing", f"waiting for {len(observer_names)} observers to subscribe")
        elif p.in_phase_seconds() > timeouts.engine_ready_seconds:
            fail(
                p,
                "EngineTimeout",
                f"engine not ready within {timeouts.engine_ready_seconds}s "
                f"({ready}/{spec.engine.replicas} replicas ready)",
            )
        else:
            p.condition("EngineReady", "False", "Starting", f"{ready}/{spec.engine.replicas} ready")
        return
    if phase == "Subscribing":
        missing = [n for n in observer_names if n not in pods]
        for pod_name, observer, instance in role_manifests.observer_pods(names, spec):
            if pod_name in missing:
                await kube.create(
                    role_manifests.build_observer_pod(
                        names, p.owner, spec, observer, instance, p.rt.settings.role
                    )
                )
        ready = sum(1 for n in observer_names if n in pods and pods[n].ready)
        if ready == len(observer_names):
            p.condition("ObserversSubscribed", "True", "AllSubscribed", f"{ready} subscribed")
            for _, writer_id in role_manifests.writer_pods(names, spec):
                await kube.create(
                    role_manifests.build_writer_pod(
                        names, p.owner, spec, writer_id, p.rt.settings.role
                    )
                )
            p.move("Running", f"{len(writer_names)} writer(s) running")
        elif p.in_phase_seconds() > timeouts.subscribe_seconds:
            fail(
                p,
                "SubscribeTimeout",
                f"observers not subscribed within "
                f"{timeouts.subscribe_seconds}s ({ready}/{len(observer_names)})",
            )
        else:
            p.condition(
                "ObserversSubscribed",
                "False",
                "Subscribing",
                f"{ready}/{len(observer_names)} subscribed",
            )
        return
    if phase == "Running":
        for pod_name, writer_id in role_manifests.writer_pods(names, spec):
            if pod_name not in pods:
                await kube.create(
                    role_manifests.build_writer_pod(
                        names, p.owner, spec, writer_id, p.rt.settings.role
                    )
                )
        roles = observer_names + writer_names
        if all(n in pods and pods[n].succeeded for n in roles):
            p.move("Collecting", "roles finished; collecting results")
        elif p.in_phase_seconds() > spec.run_seconds:
            fail(p, "RunTimeout", f"run did not finish within {spec.run_seconds:.0f}s")
        return
    if phase == "Collecting":
        await collect(p, spec, pods)


async def reconcile(rt: Runtime, namespace: str, name: str, *, first: bool = False) -> float:
    """Reconcile one benchmark; the seconds until the next pass."""
    body = await rt.kube.get_benchmark(namespace, name)
    if body is None or body["metadata"].get("deletionTimestamp"):
        return rt.settings.idle_interval
    p = Pass(rt, body, dt.datetime.now(dt.UTC))
    if wants_new_run(p):
        if p.status.run_id and p.status.phase not in TERMINAL_PHASES and p.status.phase:
            await superseded(p)
        start_run(p)
    elif p.status.phase in TERMINAL_PHASES:
        if first and p.status.phase != "Error":
            await restore_metrics(p)
    else:
        before = p.status.phase
        await step(p)
        if p.status.phase in TERMINAL_PHASES and before not in TERMINAL_PHASES:
            await finish(p, await frozen_spec(p))
            first = True
    if p.changed():
        await rt.kube.patch_status(namespace, name, p.status_patch())
    # Cleanup after the terminal status is stored, so a crash in between cannot make a later
    # pass mistake the deleted children for missing ones; a restarted operator repeats it.
    if first and p.status.phase in ("Succeeded", "Failed"):
        with contextlib.suppress(SpecError):  # a spec made invalid since: nothing to clean
            await cleanup(p, await frozen_spec(p))
    return (
        rt.settings.idle_interval
        if p.status.phase in TERMINAL_PHASES
        else rt.settings.active_interval
    )


__all__ = ["Pass", "reconcile"]
