"""An observer that ends before it subscribes (it could not connect, say) fails the run at
once, naming it: waiting for it could only end in the subscribe timeout."""

from __future__ import annotations

from tests.unit.machine.world import World, pod


def test_an_observer_that_ends_before_subscribing_fails_the_run_at_once() -> None:
    world = World()
    for seconds in range(4):
        world.step(seconds)
        if seconds == 2:
            world.engine_ready()
    assert world.phase() == "Subscribing"
    first = world.observers()[0]
    world.subscribe(*world.observers()[1:])
    world.roles[first] = pod(phase="Succeeded", finished=4)
    world.step(5)
    assert world.phase() == "Failed"
    assert world.status.reasons == [f"observer {first}: ended before it subscribed"]
    assert not set(world.writers()) & set(world.started_roles())
