"""A run against ``spec.target``: its opening, before the observers start, and its cleanup,
after the last role that writes ended, in whatever way the run ended.

The opening role checks the ACL user, finds each endpoint's role, the engine and the
notification flags, and writes nothing but a probe key (:mod:`kobench.run.target.target_opening`);
what it found goes into ``status.target``, which every later role is made of. The cleanup role
removes the run's keys and restores what the opening changed; it runs from Collecting (its
record joins the result) or, for a run that failed or was cut short, from the terminal phase,
also after an operator restart (the status says it is due). Both are roles of the plan, so a
local run and the operator decide them here, word for word.
"""

from __future__ import annotations

from pydantic import ValidationError

from kobench.api.status import BenchmarkStatus
from kobench.api.target_status import TargetStatus
from kobench.measure.results.target_docs import TargetRecord
from kobench.run.actions import StartRoles
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.plan import Plan

OPENING = "checking the target (ACL permissions, roles, notification flags)"
CLEANING = "removing the run's keys from the target"
MAX_ERROR = 1024
"""Characters of a cleanup's error kept in the status (the result has all of it)."""
CLEANUP_SECONDS = 60.0
"""How long the cleanup role may take before the run goes on without its count (the keys
expire with their TTL)."""


def _document(observed: Observed, key: str) -> str | None:
    return observed.documents.get(key)


def opened(d: Draft, observed: Observed, plan: Plan) -> str | None:
    """None once the target is open (or the run has none); else how far it got, having
    started the opening role or failed the run naming why (nothing was written)."""
    opener = plan.opener
    if opener is None or d.status.target is not None:
        return None
    view = observed.roles.get(opener.key)
    if view is None:
        d.act(StartRoles((opener,)))
        return OPENING
    if not view.ended:
        return OPENING
    text = _document(observed, opener.key)
    try:
        found = TargetStatus.model_validate_json(text) if text else None
    except ValidationError:
        found = None
    if found is None or found.refused:
        why = (found.refused if found else None) or view.failure or "it left no result"
        d.condition("EngineReady", "False", "TargetRefused", why)
        d.fail("TargetRefused", why)
        return ""
    d.status.target = found
    return None


def cleanup_due(d: Draft, plan: Plan) -> bool:
    """The target was opened and its cleanup has not run yet."""
    target = d.status.target
    return plan.closer is not None and target is not None and not target.cleaned


def closed(d: Draft, observed: Observed, plan: Plan, waited: float) -> str | None:
    """None once the cleanup ran (or none is due); else how far it got. ``waited``: seconds
    since the cleanup could start (past :data:`CLEANUP_SECONDS` the run goes on without it)."""
    closer, target = plan.closer, d.status.target
    if closer is None or target is None or target.cleaned:
        return None
    view = observed.roles.get(closer.key)
    if view is None:
        d.act(StartRoles((closer,), target=target))
        return CLEANING
    if not view.ended and waited < CLEANUP_SECONDS:
        return CLEANING
    record = cleanup_record(observed, plan)
    if record is None:
        why = view.failure or (
            "it left no result" if view.ended else f"not done within {CLEANUP_SECONDS:g} s"
        )
        update = {"keys_left": -1, "cleanup_error": f"target cleanup: {why}"}
    else:
        update = {
            "keys_removed": record.keys_removed,
            "keys_left": record.keys_left,
            "cleanup_error": record.cleanup_error[:MAX_ERROR] if record.cleanup_error else None,
        }
    d.status.target = target.model_copy(update={"cleaned": True, **update})
    return None


def cleanup_record(observed: Observed, plan: Plan) -> TargetRecord | None:
    """The cleanup role's record (the result document's ``target``), once it left one."""
    text = _document(observed, plan.closer.key) if plan.closer else None
    if not text:
        return None
    try:
        return TargetRecord.model_validate_json(text)
    except ValidationError:
        return None


def target_record(observed: Observed, plan: Plan, status: BenchmarkStatus) -> TargetRecord:
    """The result document's ``target``: the cleanup role's record, else what the status
    knows (a cleanup that left none: keys left not known)."""
    record = cleanup_record(observed, plan)
    if record is not None:
        return record
    target = status.target or TargetStatus()
    return TargetRecord(
        endpoints=target.endpoints,
        write_endpoint=target.write_endpoint,
        observe_endpoint=target.observe_endpoint,
        roles=target.roles,
        key_prefix=target.key_prefix,
        max_rate=0,
        notify_keyspace_events=target.notify_keyspace_events,
        keys_removed=target.keys_removed,
        keys_left=target.keys_left,
        cleanup_error=target.cleanup_error or "the cleanup left no record",
    )
