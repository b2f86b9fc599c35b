"""Plain-data worlds for the phase machine's tests: a resource, its pods, a fixed clock.

:class:`World` plays the executor without an API server: it calls ``decide``, keeps the status
as if it had been saved, and remembers what the actions created, so a test reads as a run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from testkit import fake_kubelet as kubelet

from kobench.api import BenchmarkSpec, parse_spec
from kobench.api.status import BenchmarkStatus
from kobench.run.actions import Action, Create, PostEvent
from kobench.run.machine import Decision, decide
from kobench.run.observed import ApiProblem, Observed, Resource
from kobench.run.pods import role_manifests
from kobench.run.pods.pod_names import RunNames
from kobench.run.pods.pod_views import PodView, pod_view
from kobench.run.settings import Settings

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
    name: str,
    *,
    ready: bool = False,
    phase: str = "Running",
    finished: float | None = None,
    terminated: tuple[int, str] | None = None,
    restarted_after: str | None = None,
    unschedulable: str | None = None,
) -> PodView:
    """A pod as a kubelet (and scheduler) would report it, read through the real pod_view."""
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
    return pod_view({"metadata": {"name": name}, "status": status})


@dataclass
class World:
    """One benchmark as the executor would see it, pass after pass."""

    res: Resource = field(default_factory=resource)
    status: BenchmarkStatus = field(default_factory=BenchmarkStatus)
    pods: dict[str, PodView] = field(default_factory=dict)
    documents: dict[str, str | None] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)
    """``Kind/name`` of everything the actions created, in order (duplicates would show)."""
    events: list[PostEvent] = field(default_factory=list)
    last: Decision | None = None

    @property
    def spec(self) -> BenchmarkSpec:
        return parse_spec(dict(self.res.spec))

    def phase(self) -> str | None:
        """The saved phase (a call, so type checkers do not pin it between passes)."""
        return self.status.phase

    @property
    def names(self) -> RunNames:
        return self.res.names(self.status.run_id)

    def observed(self, **changes: Any) -> Observed:
        base = Observed(
            resource=self.res,
            pods=dict(self.pods),
            documents=dict(self.documents),
            password="secret",
            metrics_known=True,
        )
        return replace(base, **changes)

    def step(self, seconds: float, *, save: bool = True, **observed: Any) -> Decision:
        """One pass at ``T0 + seconds``; the status is saved unless ``save`` is False."""
        decision = decide(
            self.status, self.observed(**observed), self.spec, at(seconds), settings=SETTINGS
        )
        if save:
            self.status = decision.status
            self.created += [
                f"{a.manifest['kind']}/{a.manifest['metadata']['name']}"
                for a in decision.actions
                if isinstance(a, Create)
            ]
            self.events += [a for a in decision.actions if isinstance(a, PostEvent)]
        self.last = decision
        return decision

    # --- the kubelet's part ------------------------------------------------------------------

    def engine_ready(self) -> None:
        for i in range(self.spec.engine.replicas):
            self.pods[self.names.engine_pod(i)] = pod(self.names.engine_pod(i), ready=True)

    def created_pods(self) -> list[str]:
        return [c.removeprefix("Pod/") for c in self.created if c.startswith("Pod/")]

    def observers(self) -> list[str]:
        return [n for n, _, _ in role_manifests.observer_pods(self.names, self.spec)]

    def writers(self) -> list[str]:
        return [n for n, _ in role_manifests.writer_pods(self.names, self.spec)]

    def subscribe(self, *names: str) -> None:
        for name in names or self.observers():
            self.pods[name] = pod(name, ready=True)

    def start_writers(self) -> None:
        for name in self.writers():
            self.pods[name] = pod(name)

    def writers_end(self, seconds: float, *, document: bool = True) -> None:
        spec = self.spec
        for index, name in enumerate(self.writers()):
            self.pods[name] = pod(name, phase="Succeeded", finished=seconds)
            self.documents[name] = kubelet.writer_result(spec, index) if document else None

    def observers_end(self, seconds: float) -> None:
        spec = self.spec
        for _, observer, instance in role_manifests.observer_pods(self.names, spec):
            name = self.names.observer_pod(observer.name, instance)
            self.pods[name] = pod(name, phase="Succeeded", finished=seconds)
            self.documents[name] = kubelet.observer_result(spec, observer.name, instance)


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
