"""``metadata`` as the API server checks it: a DNS-subdomain name, labels and annotations."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator

from kobench.api.basics import DNS_LABEL, DNS_SUBDOMAIN, MAX_NAME, Model

_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_SUBDOMAIN = re.compile(DNS_SUBDOMAIN)
MAX_ANNOTATIONS_BYTES = 256 * 1024
"""The API server's limit for all annotations of an object together."""


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a qualified name (``[prefix/]name``), or None."""
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > MAX_NAME or not _SUBDOMAIN.match(prefix)):
        return f"key {key!r}: its prefix must be a DNS subdomain of at most 253 characters"
    if len(name) > 63 or not _LABEL_NAME.match(name):
        return (
            f"key {key!r}: its name must be 1 to 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None


def value_problem(value: str) -> str | None:
    if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
        return (
            f"value {value!r} must be empty or 1 to 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None


class Metadata(Model):
    """The resource's metadata: what kobench reads, and what the API server would refuse."""

    name: Annotated[str, Field(pattern=DNS_SUBDOMAIN, max_length=MAX_NAME)]
    namespace: Annotated[str | None, Field(pattern=DNS_LABEL, max_length=63)] = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    finalizers: list[str] = []
    # Set by the API server; accepted (a file saved with `kubectl get -o yaml`), not read.
    generate_name: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: Any = None
    deletion_timestamp: Any = None
    deletion_grace_period_seconds: int | None = None
    self_link: str | None = None
    owner_references: list[Any] = []
    managed_fields: list[Any] = []

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for key, value in labels.items():
            problem = key_problem(key) or value_problem(value)
            if problem:
                raise ValueError(problem)
        return labels

    @field_validator("annotations")
    @classmethod
    def _annotations(cls, annotations: dict[str, str]) -> dict[str, str]:
        for key in annotations:
            problem = key_problem(key)
            if problem:
                raise ValueError(problem)
        size = sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())
        if size > MAX_ANNOTATIONS_BYTES:
            raise ValueError(f"{size} bytes in all; the API server allows 262144")
        return annotations
