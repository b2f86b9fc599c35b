"""The pods executor: one pass of the phase machine over a benchmark resource in a cluster.

One pass: read the benchmark, gather what :func:`~kobench.run.needs.needs` says, call
:func:`~kobench.run.machine.decide`, carry out the actions that must precede the save (children
created by deterministic name through the pure manifest builders), save the status, and only
then apply the effects (Events, metrics, cleanup). An API error met while gathering or before
the save goes into the machine as an :class:`ApiProblem`; a failed save applies no effect, so a
transition is never announced or counted twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import replace

from kubernetes_asyncio.client.exceptions import ApiException

from kobench.api import KIND, BenchmarkSpec
from kobench.api.status import BenchmarkStatus
from kobench.api.status_terms import TERMINAL_PHASES
from kobench.errors import SpecError
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import RoleConfig
from kobench.run.actions import (
    Action,
    CountRun,
    DropResults,
    FreezeSpec,
    KeepComparison,
    KeepResult,
    KillRole,
    PostEvent,
    RecordRun,
    RecordSchedule,
    StartChild,
    StartEngine,
    StartRoles,
    StopRoles,
    StopRun,
)
from kobench.run.machine import Decision, decide
from kobench.run.observed import ApiProblem, Observed, Resource, resource_of
from kobench.run.plan import Role
from kobench.run.pods import engine_manifests, engine_tls, role_manifests, services, target_pods
from kobench.run.pods.child_manifests import child_benchmark, comparison_config_map
from kobench.run.pods.engine_certificates import make_material
from kobench.run.pods.gather import gather, problem, read_status
from kobench.run.pods.manifest_parts import Manifest, Owner
from kobench.run.pods.pod_names import RunNames
from kobench.run.pods.runtime import Runtime
from kobench.run.spec_check import executable_spec

Obj = dict[str, object]
log = logging.getLogger("kobench.controller")
WAKE_FLOOR_SECONDS = 0.02


async def run_spec(
    rt: Runtime, resource: Resource, status: BenchmarkStatus
) -> tuple[BenchmarkSpec | None, list[ApiProblem]]:
    """The spec the current run started with: cached, else its run ConfigMap, else the
    resource's spec (before Deploying froze it); None when there is no valid one."""
    if not status.run_id:
        return None, []
    cached = rt.specs.get(status.run_id)
    if cached is not None:
        return cached, []
    name = RunNames(resource.name, status.run_id).run_config
    try:
        cm = await rt.kube.get_config_map(resource.namespace, name)
    except ApiException as exc:
        return None, [problem(f"get ConfigMap {name}", exc)]
    text = ((cm or {}).get("data") or {}).get("run.json")
    if text:
        spec = RoleConfig.model_validate(json.loads(text)).spec
        rt.specs[status.run_id] = spec
        return spec, []
    try:
        return executable_spec(resource.spec, reads="configMaps"), []
    except SpecError:
        return None, []


def _role_pod(
    rt: Runtime, names: RunNames, owner: Owner, spec: BenchmarkSpec, role: Role
) -> Manifest:
    if role.kind in ("target-open", "target-close"):
        return target_pods.build_target_role_pod(names, owner, spec, role, rt.role)
    pod = _measuring_pod(rt, names, owner, spec, role)
    return target_pods.targeted(pod, names, spec) if spec.target is not None else pod


def _measuring_pod(
    rt: Runtime, names: RunNames, owner: Owner, spec: BenchmarkSpec, role: Role
) -> Manifest:
    if role.kind == "observer":
        observer = next(o for o in spec.observers if o.name == role.observer)
        return role_manifests.build_observer_pod(names, owner, spec, observer, role.index, rt.role)
    if role.kind == "writer":
        return role_manifests.build_writer_pod(names, owner, spec, role.index, rt.role)
    if role.kind == "probe":
        return role_manifests.build_probe_pod(names, owner, spec, rt.role)
    return role_manifests.build_faults_pod(names, owner, spec, rt.role)


def manifests(
    rt: Runtime, resource: Resource, names: RunNames, spec: BenchmarkSpec, action: Action
) -> list[Manifest]:
    """The children an action creates (pure, through the manifest builders)."""
    owner = Owner(resource.name, resource.namespace, resource.uid)
    if isinstance(action, FreezeSpec):
        return [role_manifests.build_run_config(names, owner, spec)]
    if isinstance(action, StartEngine):
        plugin = get_engine(spec.engine.type)
        secret: list[Manifest] = []
        if spec.engine.auth_secret_ref is None:
            password = engine_manifests.generate_password()
            secret.append(engine_manifests.build_secret(names, owner, password))
        if spec.engine.tls:  # a CA of the run's own; a Secret already made is kept (409)
            hosts = engine_tls.server_names(names, spec, resource.namespace)
            now = dt.datetime.now(dt.UTC)
            material = make_material(hosts, now=now, run_id=names.run_id)
            secret.append(engine_tls.build_tls_secret(names, owner, material))
        return [
            *secret,
            engine_manifests.build_engine_config(names, owner, spec, plugin),
            *services.build_services(names, owner, spec),
            engine_manifests.build_statefulset(names, owner, spec, plugin, rt.role),
        ]
    if isinstance(action, StartRoles):
        config = []
        if action.target is not None:  # made once, of what the target's opening found
            config = [target_pods.build_target_config(names, owner, spec, action.target)]
        return [*config, *(_role_pod(rt, names, owner, spec, role) for role in action.roles)]
    if isinstance(action, StartChild):
        return [child_benchmark(names, owner, action.cell, action.step, action.repetition)]
    return []


def disrupted_pod(spec: BenchmarkSpec | None, action: KillRole) -> str | None:
    """The user's pod a killReplica against a target deletes (allowDisruption and the pod's
    name were checked with the spec); None for a kill of kobench's own pods."""
    if spec is None or spec.target is None or action.role.kind != "replica":
        return None
    pods = spec.target.pods
    return pods[action.role.index] if action.role.index < len(pods) else None


class CallFailed(Exception):
    """An API call of an action failed: which call, and the server's answer."""

    def __init__(self, call: str, error: ApiException) -> None:
        super().__init__(call)
        self.call, self.error = call, error


async def apply(
    rt: Runtime,
    body: Obj,
    resource: Resource,
    spec: BenchmarkSpec | None,
    run_id: str,
    action: Action,
) -> None:
    """Carry out one action through the API (or the operator's own metrics)."""
    kube, ns = rt.kube, resource.namespace
    names = RunNames(resource.name, run_id)
    owner = Owner(resource.name, resource.namespace, resource.uid)
    if isinstance(action, FreezeSpec | StartEngine | StartRoles | StartChild):
        assert spec is not None  # the machine starts nothing without the run's spec
        for manifest in manifests(rt, resource, names, spec, action):
            try:
                await kube.create(manifest)
            except ApiException as exc:
                call = f"create {manifest['kind']} {manifest['metadata']['name']}"
                raise CallFailed(call, exc) from None
    elif isinstance(action, KeepResult):
        manifest = role_manifests.build_results_config_map(
            names, owner, action.result, phase="Succeeded"
        )
        await kube.replace_config_map(manifest)
    elif isinstance(action, KeepComparison):
        await kube.replace_config_map(comparison_config_map(names, owner, action.comparison))
    elif isinstance(action, StopRun):
        selector = RunNames(resource.name, action.run_id).run_selector()
        await kube.delete_run(ns, selector, keep_results=True)
    elif isinstance(action, KillRole) and (pod := disrupted_pod(spec, action)) is not None:
        await kube.delete_pod(ns, pod)  # the user's own pod: named by spec.target.pods
    elif isinstance(action, KillRole):
        await kube.kill_pods(ns, names.kill_selector(names.pod(action.role)))
    elif isinstance(action, StopRoles):
        pass  # a pod's document cannot be asked for: its log is read as it is
    elif isinstance(action, DropResults):
        await kube.delete_config_map(ns, action.name)
    elif isinstance(action, PostEvent):
        rt.post_event(dict(body), action.type, action.reason, action.message)
    elif isinstance(action, RecordRun):
        if action.count:
            rt.metrics.run_finished(resource.namespace, resource.name, action.record)
        else:
            rt.metrics.restore(resource.namespace, resource.name, action.record)
    elif isinstance(action, RecordSchedule):
        rt.metrics.schedule(resource.namespace, resource.name, action.schedule)
    elif isinstance(action, CountRun):
        rt.metrics.count(action.verdict)


async def prepare(
    rt: Runtime,
    body: Obj,
    observed: Observed,
    spec: BenchmarkSpec | None,
    decide_with: Callable[[Observed], Decision],
) -> tuple[Decision, Observed]:
    """Decide and apply the before-save actions; on an API error, decide again knowing it
    (that decision reports the error and moves nothing on)."""
    decided = decide_with(observed)
    run_id = decided.status.run_id
    for action in decided.before_save:
        try:
            await apply(rt, body, observed.resource, spec, run_id, action)
        except (ApiException, CallFailed) as exc:
            if isinstance(exc, CallFailed):
                found = problem(exc.call, exc.error)
            else:
                found = problem(str(action), exc)
            failed = replace(observed, api_errors=(*observed.api_errors, found))
            again = decide_with(failed)
            return replace(again, actions=tuple(again.after_save)), failed
    return decided, observed


def owners(body: Obj) -> list[str]:
    """The uids of the benchmarks that own this one (a matrix owns its runs)."""
    metadata = body.get("metadata")
    references = metadata.get("ownerReferences") if isinstance(metadata, dict) else None
    return [
        str(r["uid"]) for r in references or [] if isinstance(r, dict) and r.get("kind") == KIND
    ]


async def reconcile(
    rt: Runtime, namespace: str, name: str, now: dt.datetime | None = None
) -> float:
    """One pass over one benchmark; the seconds until the next one."""
    body = await rt.kube.get_benchmark(namespace, name)
    if body is None:
        return rt.settings.idle_interval
    resource, status = resource_of(body), read_status(body)
    spec, problems = await run_spec(rt, resource, status)
    clock = now or dt.datetime.now(dt.UTC)
    observed = await gather(rt, resource, status, spec, clock)
    observed = replace(observed, api_errors=(*problems, *observed.api_errors))

    def decide_with(seen: Observed) -> Decision:
        return decide(status, seen, spec, clock, settings=rt.settings)

    decided, observed = await prepare(rt, body, observed, spec, decide_with)
    if decided.changed:
        await rt.kube.patch_status(namespace, name, decided.patch())
    for action in decided.after_save:
        try:
            await apply(rt, body, resource, spec, decided.status.run_id, action)
        except ApiException as exc:  # the status is saved; the next pass repeats what matters
            log.warning("%s/%s: %s", namespace, name, problem(str(action), exc))
        except CallFailed as exc:
            log.warning("%s/%s: %s", namespace, name, problem(exc.call, exc.error))
    if decided.changed and decided.status.phase in TERMINAL_PHASES:
        for owner in owners(body):
            rt.wake(owner)  # a matrix waits for this child: its next run starts now
    if decided.wait == "backoff":
        log.warning("%s/%s: %s", namespace, name, "; ".join(map(str, observed.api_errors)))
    key = (namespace, name)
    delay = rt.pause(key, trouble=decided.wait == "backoff", idle=decided.wait == "idle")
    if decided.poll_in is not None and decided.wait == "active":
        delay = min(delay, decided.poll_in)
    if decided.wake_in is not None and decided.wait != "backoff":
        delay = min(delay, max(WAKE_FLOOR_SECONDS, decided.wake_in))
    return delay
