"""dropSubscribers against a target drops kobench's own observers only: a subscriber of the
user's (here, the test's own, on the same channel of the same replica) stays connected and
keeps receiving, while each of kobench's observers has its outage."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import redis
from tests.engine.target.tls_servers import MINIMAL_ACL, Deployment, Start, target_spec

DROP_ACL = f"{MINIMAL_ACL} +client|list +client|kill +client|setname"
"""The minimal ACL plus what dropSubscribers needs (docs/guides/own-deployment.md)."""
CHANNEL = "__keyevent@0__:set"


def confirmed(pubsub: redis.client.PubSub) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] == "subscribe":
            return
    raise AssertionError("the foreign subscriber was not confirmed")


def test_only_kobenchs_own_subscribers_are_dropped(
    deploy: Callable[..., Deployment], start: Start
) -> None:
    deployment = deploy("redis-server", acl=DROP_ACL)
    foreign = deployment.admin(1)
    pubsub = foreign.pubsub()
    pubsub.subscribe(CHANNEL)
    confirmed(pubsub)
    with deployment.admin(1) as admin:
        (before,) = [c["id"] for c in admin.client_list(_type="pubsub")]
    fault = {"action": "dropSubscribers", "replica": 1, "atSeconds": 0.8}
    allowed = {"faults": {"maxOutageMs": 2000, "maxLost": 200}}  # the drop's losses are its own
    running = start(
        "drop-own", target_spec(deployment), "unique", 2.0, faults=[fault], thresholds=allowed
    )
    heard = 0
    while running.process.poll() is None:
        message = pubsub.get_message(timeout=0.05)
        heard += message is not None and message["type"] == "message"
    code, out = running.finish()
    assert code == 0, out
    while (message := pubsub.get_message(timeout=0.2)) is not None:
        heard += message["type"] == "message"
    result = json.loads(running.output.read_text())
    sent = result["writers"]["sent"]
    [drop] = result["faults"]
    assert drop["appliedNs"] > 0, drop
    impacts = {i["observer"]: i for i in drop["observers"]}
    assert set(impacts) == {"sync.0", "async.0"}
    cut = {o["name"]: o["disconnects"] for o in result["observers"]}
    assert cut == {"sync": 1, "async": 1}, "each of kobench's observers was dropped once"
    assert heard >= sent, f"the foreign subscriber heard {heard} of {sent} writes"
    with deployment.admin(1) as admin:
        after = [(c["id"], c.get("name", "")) for c in admin.client_list(_type="pubsub")]
    assert after == [(before, "")], "the foreign subscriber stayed, on the same connection"
    pubsub.close()
    foreign.close()


def test_without_client_kill_a_drop_is_refused_before_anything_is_written(
    deploy: Callable[..., Deployment], start: Start
) -> None:
    deployment = deploy("redis-server", acl=f"{MINIMAL_ACL} +client|list +client|setname")
    fault = {"action": "dropSubscribers", "replica": 1, "atSeconds": 0.8}
    code, out = start(
        "drop-refused", target_spec(deployment), "unique", 1.0, faults=[fault]
    ).finish()
    assert code != 0 and "may not run CLIENT KILL on" in out, out
    with deployment.admin(0) as admin:
        assert int(admin.info("commandstats").get("cmdstat_set", {}).get("calls", 0)) == 0
