"""A known delay between the observed replica and kobench, inside the user's TLS: Toxiproxy
forwards the encrypted bytes and holds each chunk the replica sends for 20 ms. The observers'
latency rises by that delay, and the round trip of their handshakes with it."""

from __future__ import annotations

import json
from collections.abc import Callable

from testkit.toxiproxy import Toxiproxy
from tests.engine.target.tls_servers import Deployment, Start, target_spec

DELAY_MS = 20


def test_a_delay_through_tls_is_recovered(
    deploy: Callable[..., Deployment],
    toxiproxy: Toxiproxy,
    start: Start,
) -> None:
    deployment = deploy("redis-server")
    proxied = toxiproxy.proxy("replica", deployment.ports[1])
    toxiproxy.latency("replica", DELAY_MS)  # what the replica sends: its notifications
    spec = target_spec(deployment)
    spec["endpoints"][1] = f"rediss://127.0.0.1:{proxied}"  # the certificate names 127.0.0.1
    running = start("delayed", spec, seconds=1.5)
    code, out = running.finish()
    assert code == 0, out
    result = json.loads(running.output.read_text())
    assert result["target"]["roles"] == ["primary", "replica"]  # INFO through the proxy too
    for observer in result["observers"]:
        assert observer["targetReplica"] == 1 and observer["missed"] == 0
        latency = observer["latencyMs"]
        assert DELAY_MS <= latency["p50"] < DELAY_MS + 10, latency
        assert observer["handshakeRttMs"]["p50"] >= DELAY_MS
