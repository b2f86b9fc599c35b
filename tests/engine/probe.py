"""An independent minimal probe: a raw open-loop writer and a subscriber, sharing no kobench code.

    python probe.py write PORT PASSWORD RATE SECONDS
    python probe.py listen PORT PASSWORD SECONDS     # prints {"count", "p50_ms", "p99_ms"}

The writer sets ``probe:<seq>:<intended wall ns>`` at a fixed rate; the subscriber measures
each notification from that stamp. Only redis-py is shared with kobench (a library, not code).
"""

from __future__ import annotations

import json
import sys
import time

import redis


def write(port: int, password: str, rate: int, seconds: float) -> None:
    client = redis.Redis(port=port, password=password)
    total = int(rate * seconds)
    start_mono = time.monotonic_ns() + 100_000_000
    start_wall = time.time_ns() + 100_000_000
    for seq in range(total):
        offset = seq * 1_000_000_000 // rate
        delay = (start_mono + offset - time.monotonic_ns()) / 1e9
        if delay > 0:
            time.sleep(delay)
        client.set(f"probe:{seq}:{start_wall + offset}", b"p", ex=60)


def listen(port: int, password: str, seconds: float) -> None:
    pubsub = redis.Redis(port=port, password=password).pubsub()
    pubsub.subscribe("__keyevent@0__:set")
    latencies: list[int] = []
    print("subscribed", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message is None or message["type"] != "message":
            continue
        now = time.time_ns()
        key: bytes = message["data"]
        if key.startswith(b"probe:"):
            latencies.append(now - int(key.split(b":")[2]))
    latencies.sort()
    count = len(latencies)

    def at(q: float) -> float:
        return round(latencies[min(count - 1, int(q * count))] / 1e6, 4) if count else -1.0

    print(json.dumps({"count": count, "p50_ms": at(0.5), "p99_ms": at(0.99)}), flush=True)


if __name__ == "__main__":
    role, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if role == "write":
        write(port, password, int(sys.argv[4]), float(sys.argv[5]))
    else:
        listen(port, password, float(sys.argv[4]))
