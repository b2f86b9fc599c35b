"""What a run against a user's own engine (``spec.target``) records about it: where it went, as
whom, how it verified the server, what it changed and what it left behind. No secret."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document


class TargetRecord(Document):
    endpoints: Annotated[list[str], Field(description="host:port of every endpoint, in order.")]
    write_endpoint: Annotated[int, Field(description="Index of the endpoint written to.")]
    observe_endpoint: Annotated[int, Field(description="Index of the endpoint observed.")]
    roles: Annotated[list[str], Field(description="Each endpoint's role (INFO replication).")]
    username: Annotated[str | None, Field(description="ACL user (None: default user).")] = None
    tls: bool = False
    tls_verified: Annotated[
        bool, Field(description="False when spec.target.tls.insecureSkipVerify was set.")
    ] = True
    key_prefix: Annotated[str, Field(description="Every key of the run lay under it.")]
    max_rate: Annotated[int, Field(description="Rate limit of the run (writes/s in total).")]
    notify_keyspace_events: Annotated[
        str, Field(description="The write endpoint's flags as found ('?': not readable).")
    ]
    config_changes: Annotated[
        list[str], Field(description="Settings changed (allowConfigChange) and restored.")
    ] = []
    keys_removed: Annotated[
        int, Field(description="Keys UNLINKed under the prefix at the end.")
    ] = 0
    keys_left: Annotated[
        int, Field(description="Keys still under the prefix after removal (-1: not known).")
    ] = 0
    cleanup_error: Annotated[
        str | None, Field(description="Why the removal or a restore failed (None: it did not).")
    ] = None

    def lines(self) -> list[str]:
        """The target's facts in words, for the run's table."""
        parts = []
        for index, (endpoint, role) in enumerate(zip(self.endpoints, self.roles, strict=True)):
            uses = [
                w
                for i, w in ((self.write_endpoint, "written"), (self.observe_endpoint, "observed"))
                if i == index
            ]
            parts.append(f"{endpoint} ({', '.join([role, *uses])})")
        tls = (
            ("TLS, verified" if self.tls_verified else "TLS, NOT verified")
            if self.tls
            else "no TLS"
        )
        changes = "; ".join(self.config_changes) or "configuration unchanged"
        return [
            f"target: {', '.join(parts)}; user {self.username or 'default'}, {tls}",
            f"rate limit: {self.max_rate} writes/s in total (spec.target.maxRate)",
            f"target keys: {self.keys_removed} removed under {self.key_prefix}, "
            f"{self.keys_left} left; {changes}"
            if self.cleanup_error is None
            else f"target keys under {self.key_prefix} NOT removed: {self.cleanup_error}",
        ]
