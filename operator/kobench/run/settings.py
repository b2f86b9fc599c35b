"""The operator's settings (command-line options of ``kobench operator``), as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

from kobench.run.pods.manifest_parts import RoleOptions


@dataclass(frozen=True)
class Settings:
    """What the phase machine and the executor are told; units in the field names."""

    role: RoleOptions = field(default_factory=RoleOptions)
    """Image and resources of the role pods."""
    active_interval: float = 2.0
    """Seconds between passes while a run is in progress."""
    idle_interval: float = 30.0
    """Seconds between passes over a finished run (a spec update wakes it at once)."""
    collect_timeout: float = 120.0
    """Seconds to keep retrying role logs that cannot be read yet once the roles ended."""
    max_backoff: float = 60.0
    """Longest pause (seconds) between passes while API calls keep failing."""


def backoff_seconds(failures: int, settings: Settings) -> float:
    """The pause after ``failures`` passes in a row that met an API error: doubling, capped."""
    if failures <= 0:
        return settings.active_interval
    return float(min(settings.max_backoff, settings.active_interval * 2 ** min(failures, 16)))
