"""A watch of a namespace's benchmarks that stamps each change of phase and condition as it
arrives, for the benchmark scripts that time the operator (``benchmarks/operator_scale.py``,
``benchmarks/engine_start.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.exceptions import ApiException

from kobench.api import GROUP, PLURAL, VERSION
from testkit.kube import KubeCluster

TERMINAL = frozenset({"Succeeded", "Failed", "Error"})


async def api_client(cluster: KubeCluster) -> Any:
    await config.load_kube_config(config_file=str(cluster.kubeconfig))
    return client.ApiClient()


@dataclass
class Seen:
    """When (``time.monotonic()``) the watch first saw each thing of one benchmark."""

    phases: dict[str, float] = field(default_factory=dict)
    """First time in each phase (of the current run, see :meth:`KobWatch.forget`)."""
    conditions: dict[str, float] = field(default_factory=dict)
    """First time each condition type was True."""
    first_phase: float | None = None
    phase: str = ""
    run_nonce: str = ""
    status: dict[str, Any] = field(default_factory=dict)


class KobWatch:
    """Watches the benchmarks of a namespace and stamps every change of phase and condition on
    arrival (no polling: no load of its own on the cores it measures)."""

    def __init__(self, api: Any, namespace: str) -> None:
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace
        self.seen: dict[str, Seen] = {}
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def forget(self, name: str) -> None:
        """Start stamping ``name`` afresh (a new run of it)."""
        self.seen.pop(name, None)

    async def _run(self) -> None:
        version = ""
        while True:
            stream = watch.Watch().stream(
                self.custom.list_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                PLURAL,
                resource_version=version or None,
                timeout_seconds=60,
            )
            try:
                async for event in stream:
                    obj = event["object"]
                    version = obj.get("metadata", {}).get("resourceVersion", version)
                    if event["type"] in ("ADDED", "MODIFIED"):
                        self._stamp(obj)
            except ApiException as exc:
                if exc.status != 410:  # 410: the version is too old; list again
                    raise
                version = ""

    def _stamp(self, obj: dict[str, Any]) -> None:
        now = time.monotonic()
        name = obj["metadata"]["name"]
        status = obj.get("status") or {}
        seen = self.seen.setdefault(name, Seen())
        seen.status = status
        phase = status.get("phase") or ""
        seen.run_nonce = str(status.get("runNonce") or "")
        if phase:
            seen.phase = phase
            seen.phases.setdefault(phase, now)
            if seen.first_phase is None:
                seen.first_phase = now
        for condition in status.get("conditions") or []:
            if condition.get("status") == "True":
                seen.conditions.setdefault(condition["type"], now)
        self.changed.set()

    async def until(self, predicate: Any, *, timeout: float, what: str) -> None:
        """Wait until ``predicate()`` holds (checked after every change seen)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=min(left, 5.0))
