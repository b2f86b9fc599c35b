"""An independent minimal probe: a raw open-loop writer and a subscriber, sharing no kobench code.

    python probe.py write PORT PASSWORD RATE SECONDS
    python probe.py listen PORT PASSWORD OWN KOBENCH WARMUP SECONDS  # JSON: own, kobench, ...

The writer sets ``probe:<seq>:<intended wall ns>`` at a fixed rate; the subscriber measures
each notification from that stamp. Only redis-py is shared with kobench (a library, not code).
"""

from __future__ import annotations

import ctypes
import json
import sys
import time

import redis


def write(port: int, password: str, rate: int, seconds: float) -> None:
    # Linux lets a sleep overshoot by 50 us by default: ask for 1 ns (PR_SET_TIMERSLACK).
    ctypes.CDLL("libc.so.6").prctl(29, 1, 0, 0, 0)
    client = redis.Redis(port=port, password=password)
    total = int(rate * seconds)
    start_mono = time.monotonic_ns() + 100_000_000
    start_wall = time.time_ns() + 100_000_000
    seq = 0
    while seq < total:
        elapsed = time.monotonic_ns() - start_mono
        due = min(total, (elapsed * rate) // 1_000_000_000 + 1) if elapsed >= 0 else 0
        if due <= seq:
            time.sleep(max(0, start_mono + seq * 1_000_000_000 // rate - time.monotonic_ns()) / 1e9)
            continue
        pipe = client.pipeline(transaction=False)  # whatever fell due together goes at once
        for n in range(seq, due):
            pipe.set(f"probe:{n}:{start_wall + n * 1_000_000_000 // rate}", b"p", ex=60)
        pipe.execute()
        seq = due


def listen(
    port: int, password: str, expected: int, theirs_expected: int, warmup: int, seconds: float
) -> None:
    """Measure the probe's own writes and, beside them, kobench's measured unique-mode writes
    (key ``prefix:run:writer:seq:replica:intended_ns``; ``seq >= warmup``)."""
    pubsub = redis.Redis(port=port, password=password).pubsub()
    pubsub.subscribe("__keyevent@0__:set")
    own: list[tuple[int, int]] = []  # (intended, latency) in ns
    theirs: list[tuple[int, int]] = []
    print("subscribed", flush=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (len(own) < expected or len(theirs) < theirs_expected):
        try:
            message = pubsub.get_message(timeout=0.2)
        except redis.ConnectionError:
            break  # the server went away: report what arrived
        if message is None or message["type"] != "message":
            continue
        now = time.time_ns()
        key: bytes = message["data"]
        if key.startswith(b"probe:"):
            intended = int(key.split(b":")[2])
            own.append((intended, now - intended))
        elif key.startswith(b"kobench:"):
            parts = key.split(b":")
            if int(parts[3]) >= warmup:
                theirs.append((int(parts[5]), now - int(parts[5])))
    first, last = min(own)[0], max(own)[0]
    overlap = [t for t in theirs if first <= t[0] <= last]
    print(
        json.dumps(
            {"own": summary(own), "kobench": summary(theirs), "kobenchOverlap": summary(overlap)}
        ),
        flush=True,
    )


def summary(samples: list[tuple[int, int]]) -> dict[str, float]:
    ordered = sorted(latency for _, latency in samples)
    count = len(ordered)

    def at(q: float) -> float:
        return round(ordered[min(count - 1, int(q * count))] / 1e6, 4) if count else -1.0

    return {"count": count, "p50_ms": at(0.5), "p99_ms": at(0.99)}


if __name__ == "__main__":
    role, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if role == "write":
        write(port, password, int(sys.argv[4]), float(sys.argv[5]))
    else:
        own, theirs, warmup = (int(a) for a in sys.argv[4:7])
        listen(port, password, own, theirs, warmup, float(sys.argv[7]))
