"""Pieces every child manifest shares: metadata with an owner reference, security contexts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kobench import __version__
from kobench.api import API_VERSION, KIND, Resources

Manifest = dict[str, Any]

NON_ROOT_UID = 10001
"""The kobench image's user (see the Dockerfile)."""


@dataclass(frozen=True)
class Owner:
    """The benchmark resource that owns a run's children (garbage collection follows it)."""

    name: str
    namespace: str
    uid: str

    def reference(self) -> Manifest:
        return {
            "apiVersion": API_VERSION,
            "kind": KIND,
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }


@dataclass(frozen=True)
class RoleOptions:
    """How the operator runs the writer and observer pods."""

    image: str = f"kobench:{__version__}"
    """The kobench image (operator and roles share it)."""
    image_pull_policy: str = "IfNotPresent"
    requests: dict[str, str] = field(default_factory=lambda: {"cpu": "100m", "memory": "128Mi"})
    """Requests of each role container."""
    limits: dict[str, str] = field(default_factory=lambda: {"memory": "512Mi"})
    """Limits of each role container."""
    engine_pull_policy: str = "IfNotPresent"
    scheduler_name: str | None = None
    """schedulerName of every pod kobench creates; None: the cluster's default scheduler."""


def metadata(name: str, owner: Owner, labels: dict[str, str]) -> Manifest:
    return {
        "name": name,
        "namespace": owner.namespace,
        "labels": labels,
        "ownerReferences": [owner.reference()],
    }


def pod_security_context(uid: int) -> Manifest:
    """The restricted Pod Security Standard, at pod level."""
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": uid,
        "fsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def container_security_context() -> Manifest:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(spec: Resources) -> Manifest:
    out: Manifest = {}
    for section, quantities in (("requests", spec.requests), ("limits", spec.limits)):
        values = {k: v for k, v in (("cpu", quantities.cpu), ("memory", quantities.memory)) if v}
        if values:
            out[section] = values
    return out


def password_env(secret_name: str, key: str) -> Manifest:
    return {
        "name": "KOBENCH_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}},
    }
