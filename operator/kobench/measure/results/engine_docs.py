"""What the engine said: its replication state, and whether the replicas converged."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document


class ReplicaState(Document):
    index: int
    address: str
    role: str
    link_up: bool
    detail: str = ""


class EngineFacts(Document):
    type: str
    version: str = ""
    replicas: int
    replication: list[ReplicaState] = []
    tls: Annotated[bool, Field(description="The servers were reached through TLS.")] = False
    checked_ns: Annotated[
        int, Field(description="Wall clock (ns) when the replication state was read.")
    ] = 0

    @property
    def server(self) -> str:
        """The engine and the server it ran, once: "keydb 6.3.4", or "redis (valkey 8.0.1)"
        when the server is not the engine's own."""
        if not self.version:
            return self.type
        if self.version.split(" ", 1)[0] == self.type:
            return self.version
        return f"{self.type} ({self.version})"


class PairDivergence(Document):
    """Keys that differ between two replicas (missing on one counts as different)."""

    a: int
    b: int
    differing: int
    examples: Annotated[list[str], Field(description="A few of the differing keys.")] = []


class Convergence(Document):
    checked: bool
    converged: bool
    detail: str = ""
    checked_ns: Annotated[
        int, Field(description="Wall clock (ns) when the replicas were read back.")
    ] = 0
    pairs: Annotated[
        list[PairDivergence],
        Field(description="Conflict mode: per pair of replicas, the keys that differ."),
    ] = []
    keys_compared: Annotated[
        int, Field(description="Conflict mode: distinct keys found on any replica.")
    ] = 0
    settle_seconds: Annotated[
        float | None,
        Field(description="Conflict mode: how long replication was given to settle."),
    ] = None

    @property
    def differing(self) -> int:
        """The largest count of differing keys over the pairs."""
        return max((p.differing for p in self.pairs), default=0)
