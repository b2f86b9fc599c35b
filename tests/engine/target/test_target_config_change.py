"""``allowConfigChange: true``: the one setting kobench may change on a target is
notify-keyspace-events, for the run only: it adds the missing flags on every endpoint, measures,
restores the previous value, and the result says so."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.engine.target.tls_servers import (
    MINIMAL_ACL,
    Deployment,
    Start,
    configuration,
    target_spec,
)


def test_missing_flags_are_set_for_the_run_and_restored(
    deploy: Callable[..., Deployment],
    start: Start,
) -> None:
    deployment = deploy("valkey-server", acl=f"{MINIMAL_ACL} +config|get +config|set")
    for index in range(2):
        with deployment.admin(index) as admin:
            admin.config_set("notify-keyspace-events", "Kg")
    before = configuration(deployment)
    flags = before[0]["notify-keyspace-events"]  # as the server spells them
    spec = target_spec(deployment, allowConfigChange=True)
    running = start("flags", spec, seconds=1)
    code, out = running.finish()
    assert code == 0, out
    result = json.loads(running.output.read_text())
    observers = result["observers"]
    assert [o["missed"] for o in observers] == [0, 0] and observers[0]["received"] == 200
    target = result["target"]
    assert target["notifyKeyspaceEvents"] == flags and "E" not in flags
    ports = deployment.ports
    assert target["configChanges"] == [
        f"127.0.0.1:{port} notify-keyspace-events {flags!r} -> {flags + 'E$'!r}, restored"
        for port in ports
    ]
    assert configuration(deployment) == before


def test_a_change_refused_half_way_is_undone(
    deploy: Callable[..., Deployment], start: Start
) -> None:
    """The replica's ACL user may not CONFIG SET: the primary's flags, set first, are restored."""
    deployment = deploy("redis-server", acl=f"{MINIMAL_ACL} +config|get +config|set")
    for index in range(2):
        with deployment.admin(index) as admin:
            admin.config_set("notify-keyspace-events", "Kg")
            if index == 1:
                admin.execute_command("ACL", "SETUSER", "kobench", "-config|set")
    before = configuration(deployment)
    code, out = start("half", target_spec(deployment, allowConfigChange=True)).finish()
    assert code != 0
    port = deployment.ports[1]
    assert f"may not CONFIG SET notify-keyspace-events on 127.0.0.1:{port}" in out, out
    assert "what it had set is restored" in out
    assert configuration(deployment) == before
