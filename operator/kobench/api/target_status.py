"""``status.target``: what the opening role found on a target (``spec.target``) and how its
cleanup went. Kept in the status so that a restarted operator, or a run that failed half-way,
still removes the run's keys and restores what it changed. No secret."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import Document

MAX_ENDPOINTS = 16


class TargetStatus(Document):
    """The target as the run's opening role found it (also that role's result document)."""

    endpoints: Annotated[
        list[str], Field(description="host:port of every endpoint.", max_length=MAX_ENDPOINTS)
    ] = []
    roles: Annotated[
        list[str],
        Field(description="Each endpoint's role (INFO replication).", max_length=MAX_ENDPOINTS),
    ] = []
    write_endpoint: Annotated[int, Field(description="Index of the endpoint written to.")] = 0
    observe_endpoint: Annotated[int, Field(description="Index of the endpoint observed.")] = 0
    engine: Annotated[str, Field(description="redis, valkey or keydb (INFO server).")] = ""
    version: Annotated[str, Field(description="The engine's version (INFO server).")] = ""
    key_prefix: Annotated[str, Field(description="Every key of the run lies under it.")] = ""
    notify_keyspace_events: Annotated[
        str, Field(description="The write endpoint's flags as found ('?': not readable).")
    ] = "?"
    restore: Annotated[
        dict[str, str],
        Field(description="Endpoint index -> notify-keyspace-events to restore at the end."),
    ] = {}
    refused: Annotated[
        str | None, Field(description="Why the target may not be measured (nothing written).")
    ] = None
    cleaned: Annotated[bool, Field(description="The run's keys were removed (or tried).")] = False
    keys_removed: Annotated[int, Field(description="Keys UNLINKed at the end.")] = 0
    keys_left: Annotated[
        int, Field(description="Keys left under the prefix after removal (-1: not known).")
    ] = 0
    cleanup_error: Annotated[
        str | None, Field(description="Why the removal or a restore failed.")
    ] = None
