"""A persistent API error reaches the status and one Event, and a run still ends."""

from __future__ import annotations

from tests.unit.machine.world import World, forbidden, to_running

from kobench.run.actions import PostEvent
from kobench.run.settings import Settings, backoff_seconds


def complete(world: World) -> tuple[str, str, str]:
    found = next(c for c in world.status.conditions if c.type == "Complete")
    return found.status, found.reason, found.message


def test_a_403_listing_pods_reaches_the_status_and_one_event() -> None:
    world = to_running(World())
    first = world.step(20, api_errors=forbidden())
    cause = "cannot list pods: 403 Forbidden"
    assert world.phase() == "Running"
    assert world.status.message == f"{cause}; retrying with a backoff"
    assert complete(world) == ("False", "ApiError", f"{cause}; retrying with a backoff")
    events = [a for a in first.actions if isinstance(a, PostEvent)]
    assert [(e.type, e.reason) for e in events] == [("Warning", "ApiError")]
    assert cause in events[0].message
    assert first.wait == "backoff"
    # The same error again: no new Event, no status change, still backing off.
    second = world.step(30, api_errors=forbidden())
    assert second.actions == () and not second.changed and second.wait == "backoff"


def test_the_status_says_so_when_the_api_answers_again() -> None:
    world = to_running(World())
    world.step(20, api_errors=forbidden())
    world.step(22)
    status, reason, _ = complete(world)
    assert (status, reason) == ("False", "RunStarted")
    assert world.status.message.startswith("the API answers again; Running")


def test_a_stage_still_times_out_naming_the_api_error() -> None:
    world = to_running(World())  # Running since t=12
    limit = world.spec.run_seconds
    decision = world.step(13 + limit + 2 + 10, api_errors=forbidden())
    assert world.phase() == "Failed"
    assert world.status.reasons == [
        f"run did not finish within {limit:.0f}s (spec.timeouts.runSeconds): "
        "last API error: cannot list pods: 403 Forbidden"
    ]
    assert complete(world)[1] == "RunTimeout"
    assert decision.wait == "idle"


def test_a_failed_create_is_reported_and_nothing_moves_on() -> None:
    world = World()
    world.step(0)
    world.step(1)
    problem = forbidden("create StatefulSet bench-x-engine")
    decision = world.step(2, api_errors=problem)
    assert world.phase() == "Deploying"
    assert "cannot create StatefulSet bench-x-engine: 403 Forbidden" in world.status.message
    assert not [a for a in decision.actions if a.before_save]


def test_the_backoff_doubles_and_is_capped() -> None:
    settings = Settings(active_interval=2.0, max_backoff=60.0)
    pauses = [backoff_seconds(n, settings) for n in range(8)]
    assert pauses == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
