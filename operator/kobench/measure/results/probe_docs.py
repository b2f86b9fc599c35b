"""What the capability probe found: each server's answers to what the run needs, before anything
is measured (``kobench role probe``, :mod:`kobench.roles.probe`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import Document
from kobench.measure.results.role_docs import SCHEMA_VERSION


class ProbeAnswer(Document):
    """One question asked of one server, and its answer."""

    replica: int
    feature: Annotated[
        str,
        Field(
            description="What was asked: notify-keyspace-events, HELLO 3, CLIENT TRACKING, "
            "SSUBSCRIBE, XREADGROUP, ..., or delivery (one write sent the run's way, and "
            "whether its event arrived)."
        ),
    ]
    supported: bool
    answer: Annotated[str, Field(description="What the server said (or did not say).")] = ""
    field: Annotated[
        str, Field(description="The spec field that asks for it (named when unsupported).")
    ] = ""


class ReplicaProbe(Document):
    """What one server said of itself."""

    index: int
    version: str = ""
    hz: Annotated[
        int | None, Field(description="CONFIG GET hz: active expiry cycles per second.")
    ] = None
    notify_keyspace_events: Annotated[
        str, Field(description="notify-keyspace-events as read back after setting it.")
    ] = ""


class ProbeResult(Document):
    """The capability probe's document."""

    role: Literal["probe"] = "probe"
    schema_version: int = SCHEMA_VERSION
    engine: str
    mechanism: str
    command: str
    started_ns: int
    ended_ns: int
    replicas: list[ReplicaProbe] = []
    answers: list[ProbeAnswer] = []
    error: str | None = None

    @property
    def unsupported(self) -> list[ProbeAnswer]:
        return [a for a in self.answers if not a.supported]

    @property
    def hz(self) -> int | None:
        """The engine's hz (the lowest a replica told: the slowest expiry cycle)."""
        told = [r.hz for r in self.replicas if r.hz is not None]
        return min(told) if told else None

    def refusals(self) -> list[str]:
        """Each unsupported answer as ``field: engine <version> (replica i) does not support
        <feature>: <answer>``, the way an invalid spec is told."""
        versions = {r.index: r.version or self.engine for r in self.replicas}
        return [
            f"{a.field or 'spec.delivery'}: engine {versions.get(a.replica, self.engine)} "
            f"(replica {a.replica}) does not support {a.feature} for mechanism "
            f"{self.mechanism}, command {self.command}: {a.answer}"
            for a in self.unsupported
        ]
