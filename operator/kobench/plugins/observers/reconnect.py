"""Subscribing again after a connection loss: short attempts, and a record of why they failed.

Each attempt gets :data:`ATTEMPT_SECONDS`, not the subscribe stage's timeout (120 s by default):
after a replica pod is killed, a connection can go to an address nobody answers any more (a SYN
that is never refused) or to a dying server that accepted it and never replies. One such attempt
must not hold the observer for minutes while the replica's successor is already serving; the
next attempt reaches it.

Attempts follow each other :data:`PAUSE_SECONDS` apart (until the observer's deadline): an
outage measures the engine, not kobench's retry schedule. With a fixed 0.2 s pause, a replica
that was back after 132-167 ms read as an outage of 210-220 ms.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

ATTEMPT_SECONDS = 2.0
"""Upper bound of one attempt to connect, authenticate and have the subscription confirmed."""
PAUSE_SECONDS = 0.005
"""Between two attempts: a refused connection fails at once, so at most this much of an
outage is the observer's own waiting."""


@dataclass
class Reconnection:
    """The attempts of one outage: each distinct failure is logged once (to stderr, beside the
    role's result line), and the last one is named when the observer gives up."""

    target: str
    attempts: int = 0
    last_failure: str | None = None

    def failed(self, exc: BaseException) -> None:
        self.attempts += 1
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if text != self.last_failure:
            print(
                f"kobench observer: subscribing again to {self.target} failed "
                f"(attempt {self.attempts}): {text}",
                file=sys.stderr,
                flush=True,
            )
        self.last_failure = text

    def gave_up(self, lost: BaseException) -> str:
        """The observer's error once the run is over before a subscription came back."""
        message = f"lost the connection to {self.target} ({lost}) for good"
        if self.last_failure is None:
            return f"{message}: the run ended before a first attempt to subscribe again"
        return (
            f"{message}: {self.attempts} attempt(s) to subscribe again failed, "
            f"the last with {self.last_failure}"
        )
