"""Running: until every measuring role has ended, or the ones left are past their budget.

A role that fails mid-run does not end the run: what the others measured is collected, and the
failure becomes a reason. Roles still running well after the last writer ended (a writer that
failed never announces its end; a fault injector watching a recovery that does not come) are
asked to stop once they are past their own budget (:func:`~kobench.run.plan.budget_after_writers`),
and the run is collected with what there is.
"""

from __future__ import annotations

import datetime as dt

from kobench.api import BenchmarkSpec
from kobench.run.actions import StopRoles
from kobench.run.draft import Draft
from kobench.run.observed import Observed
from kobench.run.plan import Role, budget_after_writers, plan_run
from kobench.run.settings import Settings
from kobench.run.stages.kills import apply_kills, killed_roles


def writers_ended_at(d: Draft, observed: Observed, spec: BenchmarkSpec) -> dt.datetime | None:
    """When the last writer ended, once every writer has (a killed one when it was killed);
    None while one still runs."""
    killed = killed_roles(d, spec)
    stamps: list[dt.datetime] = []
    for role in plan_run(spec).writers:
        if role.key in killed:
            stamps.append(dt.datetime.fromtimestamp(killed[role.key] / 1e9, dt.UTC))
            continue
        view = observed.roles.get(role.key)
        if view is None or not view.ended:
            return None
        stamps.append(view.finished_at or d.now)
    return max(stamps, default=None)


def running(d: Draft, observed: Observed, spec: BenchmarkSpec, settings: Settings) -> str:
    del settings
    apply_kills(d, observed, spec)
    killed = killed_roles(d, spec)
    measuring = [r for r in plan_run(spec).measuring if r.key not in killed]
    left: list[Role] = []
    for role in measuring:
        view = observed.roles.get(role.key)
        if view is not None and not view.ended:
            left.append(role)
    if not left:
        d.move("Collecting", "roles finished; collecting results")
        return ""
    ended = writers_ended_at(d, observed, spec)
    if ended is None:
        return f"{len(left)} role(s) running"
    waited = (d.now - ended).total_seconds()
    if all(waited > budget_after_writers(role, spec) for role in left):
        d.act(StopRoles(tuple(left)))
        d.move(
            "Collecting",
            f"writers ended {waited:.0f}s ago; collecting without "
            + ", ".join(role.key for role in left),
        )
        return ""
    return f"writers ended {waited:.0f}s ago; waiting for " + ", ".join(r.key for r in left)
