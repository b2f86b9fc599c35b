"""Pods read as roles (pure): is a pod ready, done, held up for a while, or failed (and why).

A container that cannot be created is either waiting for something the kubelet retries on its
next sync (a Secret its cache has not seen yet: ``failed to sync secret cache``), or stuck on a
cause that cannot heal within a benchmark (a missing Secret or key, an image that is not there,
a container that keeps crashing). The first is a wait, named in the status, for at most
:data:`TRANSIENT_GRACE_SECONDS` from the pod's creation; the second is a failure at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kobench.run.observed import RolePhase, RoleView

Obj = dict[str, Any]

STUCK_WAITING_REASONS = frozenset(
    {
        "ErrImagePull",
        "ImagePullBackOff",
        "ErrImageNeverPull",
        "InvalidImageName",
        "CrashLoopBackOff",
        "RunContainerError",
    }
)
"""Waiting reasons that will not fix themselves within a benchmark's time."""
RETRIED_WAITING_REASONS = frozenset({"CreateContainerConfigError", "CreateContainerError"})
"""Waiting reasons the kubelet retries on its next sync: a wait, unless the message names a
cause that cannot heal (:data:`LASTING_CAUSES`)."""
LASTING_CAUSES = ("not found", "couldn't find key", "invalid")
TRANSIENT_GRACE_SECONDS = 60.0
"""How long a pod may wait on a retried error, from its creation, before it counts as failed."""
PHASES: dict[str, RolePhase] = {
    "Pending": "Pending",
    "Running": "Running",
    "Succeeded": "Succeeded",
    "Failed": "Failed",
}


def _ready(status: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )


def _waiting(name: str, status: Obj, age_s: float) -> tuple[str | None, str]:
    """(a failure, a transient wait) from the containers' waiting states."""
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if not waiting:
            continue
        reason = str(waiting.get("reason") or "")
        said = f"{reason} {waiting.get('message') or ''}".strip()
        where = f"pod {name} container {cs.get('name', '?')}"
        if reason in STUCK_WAITING_REASONS:
            return f"{where}: {said}", ""
        if reason in RETRIED_WAITING_REASONS:
            lasting = any(cause in said.lower() for cause in LASTING_CAUSES)
            if lasting and "sync" not in said.lower():
                return f"{where}: {said}", ""
            if age_s > TRANSIENT_GRACE_SECONDS:
                return f"{where}: {said} (still after {age_s:.0f}s)", ""
            return None, f"{where}: {said} (the kubelet retries)"
    return None, ""


def _failure(name: str, status: Obj) -> str | None:
    for cs in status.get("containerStatuses") or []:
        container = cs.get("name", "?")
        terminated = (cs.get("state") or {}).get("terminated")
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
    if status.get("phase") == "Failed":
        reason = status.get("reason") or "Failed"
        message = status.get("message") or ""
        return f"pod {name}: {reason} {message}".strip()
    return None


def _unschedulable(name: str, status: Obj) -> str | None:
    for c in status.get("conditions") or []:
        if (c.get("type"), c.get("status"), c.get("reason")) == (
            "PodScheduled",
            "False",
            "Unschedulable",
        ):
            return f"pod {name}: {c.get('message') or 'no node fits'}"
    return None


def _finished_at(status: Obj) -> datetime | None:
    stamps = [
        ((cs.get("state") or {}).get("terminated") or {}).get("finishedAt")
        for cs in status.get("containerStatuses") or []
    ]
    parsed = [datetime.fromisoformat(s) for s in stamps if s]
    return max(parsed, default=None)


def _age_seconds(pod: Obj, now: datetime) -> float:
    created = pod["metadata"].get("creationTimestamp")
    if not created:
        return 0.0
    return max(0.0, (now - datetime.fromisoformat(str(created))).total_seconds())


def pod_view(pod: Obj, now: datetime) -> RoleView:
    status = pod.get("status") or {}
    name = pod["metadata"]["name"]
    stuck, waiting = _waiting(name, status, _age_seconds(pod, now))
    return RoleView(
        phase=PHASES.get(str(status.get("phase") or "Pending"), "Pending"),
        ready=_ready(status),
        failure=_failure(name, status) or stuck,
        finished_at=_finished_at(status),
        unschedulable=_unschedulable(name, status),
        waiting=waiting,
    )


def role_views(pods: Iterable[Obj], keys: Mapping[str, str], now: datetime) -> dict[str, RoleView]:
    """The run's pods as roles: ``keys`` maps a pod name to its role's key; pods being
    deleted (a killed replica's predecessor) and pods of no role are left out."""
    views: dict[str, RoleView] = {}
    for pod in pods:
        name = pod["metadata"]["name"]
        if name in keys and not pod["metadata"].get("deletionTimestamp"):
            views[keys[name]] = pod_view(pod, now)
    return views
