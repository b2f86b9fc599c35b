"""Which keys differ between replicas: the per-pair report of a conflict run.

Each replica is scanned for the run's keys and their values are read; then every pair of
replicas is compared key by key (a key missing on one side differs). :func:`compare` is pure, so
the counting is tested with plain data; :func:`read_replica` is the only I/O, and it raises: a
replica that cannot be read makes convergence "not checked", never "converged".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import redis

from kobench.measure.results import Convergence, PairDivergence
from kobench.plugins.engines.engine_protocol import Address
from kobench.plugins.engines.inspect import connect

SCAN_COUNT = 1000
READ_CHUNK = 500
EXAMPLES = 5
"""Differing keys named per pair (the counts are exact; the names are a sample)."""

Snapshot = Mapping[bytes, bytes | None]
"""A replica's run keys and their values."""


def read_replica(client: redis.Redis, pattern: str) -> dict[bytes, bytes | None]:
    """Every key matching ``pattern`` with its value (None: gone between SCAN and MGET)."""
    keys = sorted(set(client.scan_iter(match=pattern, count=SCAN_COUNT)))
    values: dict[bytes, bytes | None] = {}
    for start in range(0, len(keys), READ_CHUNK):
        chunk = keys[start : start + READ_CHUNK]
        for key, value in zip(chunk, client.mget(chunk), strict=True):
            values[key] = value.encode() if isinstance(value, str) else value
    return values


def compare(snapshots: Sequence[Snapshot]) -> list[PairDivergence]:
    """Per pair of replicas (a < b), the keys whose values differ, with a few of them named."""
    pairs = []
    for a, b in combinations(range(len(snapshots)), 2):
        left, right = snapshots[a], snapshots[b]
        differing = sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
        pairs.append(
            PairDivergence(
                a=a,
                b=b,
                differing=len(differing),
                examples=[k.decode("utf-8", "replace") for k in differing[:EXAMPLES]],
            )
        )
    return pairs


def keys_seen(snapshots: Sequence[Snapshot]) -> int:
    """Distinct keys found on any replica."""
    return len(set().union(*(s.keys() for s in snapshots))) if snapshots else 0


def read_all(
    endpoints: Sequence[Address], password: str | None, *, db: int, pattern: str
) -> list[dict[bytes, bytes | None]]:
    """Every replica's snapshot, in replica order (raises when one cannot be read)."""
    snapshots = []
    for endpoint in endpoints:
        with connect(endpoint, password, db=db) as client:
            snapshots.append(read_replica(client, pattern))
    return snapshots


def describe(pairs: Sequence[PairDivergence], keys: int) -> str:
    """The report in words, for ``convergence.detail``."""
    if not pairs:
        return f"single replica: {keys} keys"
    worst = max(p.differing for p in pairs)
    if worst == 0:
        return f"every replica holds the same {keys} keys"
    counts = ", ".join(f"{p.a}-{p.b}: {p.differing}" for p in pairs)
    example = next(p for p in pairs if p.differing).examples[0]
    return f"keys differing per pair of replicas (of {keys}): {counts} (e.g. {example})"


def report(
    snapshots: Sequence[Snapshot], *, settle_seconds: float, waited_seconds: float, checked_ns: int
) -> Convergence:
    """The convergence document of a conflict run from the replicas' snapshots (the writer's
    read-back in a local run and in a pod alike)."""
    pairs = compare(snapshots)
    keys = keys_seen(snapshots)
    return Convergence(
        checked=True,
        converged=all(p.differing == 0 for p in pairs),
        detail=f"{describe(pairs, keys)}, {waited_seconds:.1f}s after the writes",
        checked_ns=checked_ns,
        pairs=pairs,
        keys_compared=keys,
        settle_seconds=settle_seconds,
    )


__all__ = [
    "EXAMPLES",
    "compare",
    "describe",
    "keys_seen",
    "read_all",
    "read_replica",
    "report",
]
