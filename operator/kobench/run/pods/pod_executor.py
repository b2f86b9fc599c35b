"""The imperative shell around the phase machine: gather, decide, save, then act.

One pass: read the benchmark, gather what :func:`~kobench.run.machine.needs` says, call
:func:`~kobench.run.machine.decide`, apply the actions that must precede the save, save
the status, and only then apply the effects (Events, metrics, cleanup). An API error met while
gathering or before the save goes into the machine as an :class:`ApiProblem`; a failed save
applies no effect, so a transition is never announced or counted twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import replace

from kubernetes_asyncio.client.exceptions import ApiException

from kobench.api import KIND, BenchmarkSpec
from kobench.api.status import TERMINAL_PHASES, BenchmarkStatus
from kobench.errors import SpecError
from kobench.roles.role_config import RoleConfig
from kobench.run.actions import (
    Action,
    Create,
    DeleteConfigMap,
    DeleteRun,
    KillPod,
    PostEvent,
    RecordRun,
    WriteResults,
)
from kobench.run.machine import Decision, decide
from kobench.run.observed import ApiProblem, Observed, Resource, resource_of
from kobench.run.pods.gather import gather, problem, read_status
from kobench.run.pods.runtime import Runtime
from kobench.run.stages.starting import validate

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
    name = resource.names(status.run_id).run_config
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
        return validate(resource.spec), []
    except SpecError:
        return None, []


async def apply(rt: Runtime, body: Obj, resource: Resource, action: Action) -> None:
    """Carry out one action through the API (or the operator's own metrics)."""
    kube, ns = rt.kube, resource.namespace
    if isinstance(action, Create):
        await kube.create(action.manifest)
    elif isinstance(action, WriteResults):
        await kube.replace_config_map(action.manifest)
    elif isinstance(action, DeleteRun):
        await kube.delete_run(ns, action.selector, keep_results=True)
    elif isinstance(action, KillPod):
        await kube.kill_pods(ns, action.selector)
    elif isinstance(action, DeleteConfigMap):
        await kube.delete_config_map(ns, action.name)
    elif isinstance(action, PostEvent):
        rt.post_event(dict(body), action.type, action.reason, action.message)
    elif isinstance(action, RecordRun):
        if action.count:
            rt.metrics.run_finished(resource.namespace, resource.name, action.record)
        else:
            rt.metrics.restore(resource.namespace, resource.name, action.record)
    else:
        rt.metrics.count(action.verdict)


async def prepare(
    rt: Runtime, body: Obj, observed: Observed, decide_with: Callable[[Observed], Decision]
) -> tuple[Decision, Observed]:
    """Decide and apply the before-save actions; on an API error, decide again knowing it
    (that decision reports the error and moves nothing on)."""
    decided = decide_with(observed)
    for action in decided.before_save:
        try:
            await apply(rt, body, observed.resource, action)
        except ApiException as exc:
            failed = replace(observed, api_errors=(*observed.api_errors, problem(str(action), exc)))
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
    observed = await gather(rt, resource, status, spec)
    observed = replace(observed, api_errors=(*problems, *observed.api_errors))
    clock = now or dt.datetime.now(dt.UTC)

    def decide_with(seen: Observed) -> Decision:
        return decide(status, seen, spec, clock, settings=rt.settings)

    decided, observed = await prepare(rt, body, observed, decide_with)
    if decided.changed:
        await rt.kube.patch_status(namespace, name, decided.patch())
    for action in decided.after_save:
        try:
            await apply(rt, body, resource, action)
        except ApiException as exc:  # the status is saved; the next pass repeats what matters
            log.warning("%s/%s: %s", namespace, name, problem(str(action), exc))
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
