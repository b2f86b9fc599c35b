"""The state of one reconcile pass: the resource as read, the status being written, the run."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kobench.controller.runtime import Runtime, now_text, parse_time
from kobench.roles.config import RoleConfig
from kobench.runners.kubernetes.names import RunNames
from kobench.runners.kubernetes.objects import Owner
from kobench.spec import BenchmarkSpec, parse_spec
from kobench.status import BenchmarkStatus, bounded_reasons, set_condition

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


def fail(p: Pass, reason: str, detail: str) -> None:
    p.status.verdict = "Failed"
    p.status.reasons = bounded_reasons([detail])
    p.condition("Complete", "True", reason, detail)
    p.condition("Passed", "False", reason, detail)
    p.move("Failed", detail, warning=True)
