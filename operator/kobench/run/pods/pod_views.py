"""Pure readings of observed children: is a pod ready, done, or failed (and why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Obj = dict[str, Any]

STUCK_WAITING_REASONS = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "InvalidImageName",
        "CrashLoopBackOff",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)
"""Waiting reasons that will not fix themselves within a benchmark's time."""


@dataclass(frozen=True)
class PodView:
    name: str
    phase: str
    ready: bool
    failure: str | None
    """Why the pod failed, naming the container's reason (OOMKilled, Error, ...); None if fine."""
    finished_at: datetime | None = None
    """When its container terminated (from the kubelet), if it has."""
    unschedulable: str | None = None
    """The scheduler's message while it cannot place the pod (PodScheduled False, Unschedulable)."""

    @property
    def succeeded(self) -> bool:
        return self.phase == "Succeeded" and self.failure is None


def _ready(status: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )


def _failure(name: str, status: Obj) -> str | None:
    for cs in status.get("containerStatuses") or []:
        container = cs.get("name", "?")
        state = cs.get("state") or {}
        terminated = state.get("terminated")
        if terminated and terminated.get("exitCode", 0) != 0:
            reason = terminated.get("reason") or "Error"
            code = terminated.get("exitCode")
            return f"pod {name} container {container}: {reason} (exit code {code})"
        last = (cs.get("lastState") or {}).get("terminated")
        if last and cs.get("restartCount", 0) > 0:
            reason = last.get("reason") or "Error"
            return (
                f"pod {name} container {container} restarted after {reason} "
                f"(exit code {last.get('exitCode')}); the run's data is gone"
            )
        waiting = state.get("waiting")
        if waiting and waiting.get("reason") in STUCK_WAITING_REASONS:
            message = waiting.get("message") or ""
            return f"pod {name} container {container}: {waiting['reason']} {message}".strip()
    if status.get("phase") == "Failed":
        reason = status.get("reason") or "Failed"
        message = status.get("message") or ""
        return f"pod {name}: {reason} {message}".strip()
    return None


def _unschedulable(status: Obj) -> str | None:
    for c in status.get("conditions") or []:
        if (c.get("type"), c.get("status"), c.get("reason")) == (
            "PodScheduled",
            "False",
            "Unschedulable",
        ):
            return str(c.get("message") or "no node fits")
    return None


def _finished_at(status: Obj) -> datetime | None:
    stamps = [
        ((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
        for cs in status.get("containerStatuses") or []
    ]
    parsed = [datetime.fromisoformat(s) for s in stamps if s]
    return max(parsed, default=None)


def pod_view(pod: Obj) -> PodView:
    status = pod.get("status") or {}
    name = pod["metadata"]["name"]
    return PodView(
        name=name,
        phase=status.get("phase") or "Pending",
        ready=_ready(status),
        failure=_failure(name, status),
        finished_at=_finished_at(status),
        unschedulable=_unschedulable(status),
    )


def views_by_name(pods: Iterable[Obj]) -> dict[str, PodView]:
    return {
        p["metadata"]["name"]: pod_view(p)
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
    }


def first_failure(views: Iterable[PodView]) -> str | None:
    for view in views:
        if view.failure:
            return view.failure
    return None
