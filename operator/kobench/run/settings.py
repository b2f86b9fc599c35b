"""How the phase machine paces a run, as plain data (the operator's come from its options)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """What the phase machine is told besides the spec; units in the field names."""

    active_interval: float = 2.0
    """Seconds between passes while a run is in progress."""
    idle_interval: float = 30.0
    """Seconds between passes over a finished run (a spec update wakes it at once)."""
    collect_timeout: float = 120.0
    """Seconds to keep retrying role outputs that cannot be read yet once the roles ended."""
    max_backoff: float = 60.0
    """Longest pause (seconds) between passes while API calls keep failing."""
    stops_roles: bool = False
    """The executor can ask a role still running to hand in its document (a local process,
    by SIGTERM); collecting then waits a moment for it."""


STOP_GRACE_SECONDS = 5.0
"""How long collecting waits for roles asked to stop to hand in their documents."""


def backoff_seconds(failures: int, settings: Settings) -> float:
    """The pause after ``failures`` passes in a row that met an API error: doubling, capped."""
    if failures <= 0:
        return settings.active_interval
    return float(min(settings.max_backoff, settings.active_interval * 2 ** min(failures, 16)))
