"""Plain-data worlds for the phase machine's tests: a resource, its roles, a fixed clock.

:class:`World` plays an executor without processes or an API server: it calls ``decide``, keeps
the status as if it had been saved, and remembers what the actions started, so a test reads as a
run. Roles are seen the way the pods executor sees them (through the real ``pod_view``), so a
pod's container states (OOMKilled, a restart) reach the machine as they would in a cluster.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from testkit import fake_kubelet as kubelet

from kobench.api import BenchmarkSpec, parse_spec
from kobench.api.status import BenchmarkStatus
from kobench.errors import SpecError
from kobench.run.actions import (
    Action,
    FreezeSpec,
    KillRole,
    PostEvent,
    StartChild,
    StartEngine,
    StartRoles,
)
from kobench.run.machine import Decision, decide
from kobench.run.needs import needs
from kobench.run.observed import ApiProblem, Observed, Resource, RoleView
from kobench.run.plan import Plan, plan_run
from kobench.run.pods.pod_names import RunNames, run_id_for
from kobench.run.pods.pod_views import pod_view
from kobench.run.settings import Settings
from kobench.run.spec_check import spec_problems

T0 = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
SPEC: dict[str, Any] = {
    "engine": {"replicas": 2},
    "workload": {"writes": 200, "rate": 1000, "warmupSeconds": 0},
    "observers": [
        {"name": "sync", "mode": "sync", "targetReplica": 1},
        {"name": "async", "mode": "async", "replicas": 2},
    ],
    "timeouts": {"engineReadySeconds": 60, "subscribeSeconds": 30, "drainSeconds": 2},
}
SETTINGS = Settings(collect_timeout=20.0)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def resource(spec: dict[str, Any] | None = None, **changes: Any) -> Resource:
    base = Resource(name="bench", namespace="ns", uid="uid-1", generation=1, spec=spec or SPEC)
    return replace(base, **changes)


def pod(
    name: str = "a-pod",
    *,
    ready: bool = False,
    phase: str = "Running",
    finished: float | None = None,
    terminated: tuple[int, str] | None = None,
    restarted_after: str | None = None,
    unschedulable: str | None = None,
) -> RoleView:
    """A role as a kubelet (and scheduler) would report its pod, read through the real
    pod_view."""
    status: dict[str, Any] = {"phase": phase, "conditions": []}
    if ready:
        status["conditions"].append({"type": "Ready", "status": "True"})
    if unschedulable is not None:
        status["conditions"].append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": unschedulable,
            }
        )
    state: dict[str, Any] = {"running": {}}
    if finished is not None or terminated is not None:
        code, reason = terminated or (0, "Completed")
        state = {"terminated": {"exitCode": code, "reason": reason}}
        if finished is not None:
            state["terminated"]["finishedAt"] = at(finished).isoformat()
    container: dict[str, Any] = {"name": "role", "state": state, "restartCount": 0}
    if restarted_after is not None:
        container["restartCount"] = 1
        container["lastState"] = {"terminated": {"exitCode": 137, "reason": restarted_after}}
    status["containerStatuses"] = [container]
    return pod_view({"metadata": {"name": name}, "status": status}, T0)


def started_by(action: Action) -> list[str]:
    """What an action starts, in words a test compares: ``spec``, ``engine``, a role's key,
    ``run N`` of a matrix, ``kill KEY``."""
    if isinstance(action, FreezeSpec):
        return ["spec"]
    if isinstance(action, StartEngine):
        return ["engine"]
    if isinstance(action, StartRoles):
        return [role.key for role in action.roles]
    if isinstance(action, StartChild):
        return [f"run {action.step + 1}"]
    if isinstance(action, KillRole):
        return [f"kill {action.role.key}"]
    return []


@dataclass
class World:
    """One benchmark as an executor would see it, pass after pass."""

    res: Resource = field(default_factory=resource)
    status: BenchmarkStatus = field(default_factory=BenchmarkStatus)
    roles: dict[str, RoleView] = field(default_factory=dict)
    documents: dict[str, str | None] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    """What the actions started, in order (duplicates would show)."""
    events: list[PostEvent] = field(default_factory=list)
    last: Decision | None = None

    @property
    def spec(self) -> BenchmarkSpec:
        return parse_spec(dict(self.res.spec))

    @property
    def plan(self) -> Plan:
        return plan_run(self.spec)

    def phase(self) -> str | None:
        """The saved phase (a call, so type checkers do not pin it between passes)."""
        return self.status.phase

    @property
    def names(self) -> RunNames:
        return RunNames(self.res.name, self.status.run_id)

    def valid_spec(self) -> BenchmarkSpec | None:
        try:
            return self.spec
        except SpecError:
            return None

    def observed(self, *, now: dt.datetime | None = None, **changes: Any) -> Observed:
        wanted = needs(self.status, self.res, self.valid_spec(), metrics_known=True, now=now)
        problems = spec_problems(self.res.spec, reads="configMaps") if wanted.validation else []
        base = Observed(
            resource=self.res,
            run_id=run_id_for(self.res.uid, self.res.run_nonce, self.res.generation, wanted.slot),
            results_name=self.names.results,
            spec_problems=tuple(problems),
            roles=dict(self.roles),
            documents=dict(self.documents),
            metrics_known=True,
        )
        return replace(base, **changes)

    def step(self, seconds: float, *, save: bool = True, **observed: Any) -> Decision:
        """One pass at ``T0 + seconds``; the status is saved unless ``save`` is False."""
        spec = self.spec if self.status.run_id else None
        seen = self.observed(now=at(seconds), **observed)
        decision = decide(self.status, seen, spec, at(seconds), settings=SETTINGS)
        if save:
            self.status = decision.status
            self.started += [s for a in decision.actions for s in started_by(a)]
            self.events += [a for a in decision.actions if isinstance(a, PostEvent)]
        self.last = decision
        return decision

    # --- the executor's part -----------------------------------------------------------------

    def replicas(self) -> list[str]:
        return [role.key for role in self.plan.replicas]

    def observers(self) -> list[str]:
        return [role.key for role in self.plan.observers]

    def writers(self) -> list[str]:
        return [role.key for role in self.plan.writers]

    def started_roles(self) -> list[str]:
        keys = set(self.plan.by_key())
        return [s for s in self.started if s in keys]

    def engine_ready(self) -> None:
        for key in self.replicas():
            self.roles[key] = pod(ready=True)

    def subscribe(self, *keys: str) -> None:
        for key in keys or self.observers():
            self.roles[key] = pod(ready=True)

    def start_writers(self) -> None:
        for key in self.writers():
            self.roles[key] = pod()

    def writers_end(self, seconds: float, *, document: bool = True) -> None:
        spec = self.spec
        for role in self.plan.writers:
            self.roles[role.key] = pod(phase="Succeeded", finished=seconds)
            result = kubelet.writer_result(spec, role.index) if document else None
            self.documents[role.key] = result

    def observers_end(self, seconds: float) -> None:
        spec = self.spec
        for role in self.plan.observers:
            self.roles[role.key] = pod(phase="Succeeded", finished=seconds)
            result = kubelet.observer_result(spec, role.observer, role.index)
            self.documents[role.key] = result


def to_running(world: World) -> World:
    """Drive a fresh world to Running at t=13 (each step one second apart)."""
    world.step(0)
    world.step(1)
    world.step(2)
    world.engine_ready()
    world.step(10)
    world.subscribe()
    world.step(12)
    world.start_writers()
    world.step(13)
    assert world.phase() == "Running", world.status.message
    return world


def forbidden(call: str = "list pods") -> tuple[ApiProblem, ...]:
    return (ApiProblem(call, 403, "Forbidden"),)


def kinds(actions: tuple[Action, ...]) -> list[str]:
    return [type(a).__name__ for a in actions]
