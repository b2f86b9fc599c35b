"""What a role process is told: the run, the spec and where the engine replicas are.

The same document drives a role on a laptop (the local runner writes it to a temporary file) and
in a pod (the operator puts it in a ConfigMap). The password is never part of it: roles read it
from the ``KOBENCH_PASSWORD`` environment variable, which a Secret fills in a pod.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field

from kobench.api import BenchmarkSpec
from kobench.api.basics import Document
from kobench.plugins.connections import Access

PASSWORD_ENV = "KOBENCH_PASSWORD"
RESULT_MARKER = "KOBENCH_RESULT "
"""Prefix of the single stdout line that carries a role's result document (read from pod logs)."""


class Endpoint(Document):
    """Where one engine replica listens."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: Annotated[int, Field(ge=1, le=65535)]

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class RoleConfig(Document):
    """Everything a writer or observer needs besides the password."""

    model_config = ConfigDict(frozen=True)

    run_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{1,40}$", description="Unique per run.")]
    spec: BenchmarkSpec
    endpoints: Annotated[list[Endpoint], Field(min_length=1, description="Replica i at index i.")]
    subscribe_timeout_seconds: float = 60.0
    access: Access = Access()
    """ACL user and TLS towards the engine (the password is not here: see PASSWORD_ENV)."""

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)

    @classmethod
    def from_file(cls, path: str | Path) -> RoleConfig:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))


def password_from_env() -> str | None:
    return os.environ.get(PASSWORD_ENV) or None
