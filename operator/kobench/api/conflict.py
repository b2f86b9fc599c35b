"""The conflict workload: writers on different masters write the same keys at the same instant."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Model

MAX_CONFLICT_KEYS = 1_000_000


class Conflict(Model):
    """Conflicting writes on a multi-master engine (KeyDB active replicas).

    Every writer writes key ``n mod keys`` at the same intended instant ``n``, each on its own
    master and with its own value; after the run every pair of replicas is compared key by key.
    """

    keys: Annotated[
        int,
        Field(
            description="Conflict keys written in turn by every writer (write n: key n mod keys).",
            ge=1,
            le=MAX_CONFLICT_KEYS,
        ),
    ] = 1000
    settle_seconds: Annotated[
        float,
        Field(
            description="How long replication may settle after the writes before the replicas "
            "are compared key by key.",
            ge=0,
            le=600,
        ),
    ] = 5.0
