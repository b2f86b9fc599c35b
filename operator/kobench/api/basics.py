"""Names of the API, the patterns and bounds every model shares, and the strict base model."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

from kobench.api.cron import CRON_PATTERN

GROUP = "kobench.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "KeyDBObserverBenchmark"
PLURAL = "keydbobserverbenchmarks"
SINGULAR = "keydbobserverbenchmark"
SHORT_NAME = "kob"
CATEGORY = "kobench"

# A DNS-1123 label: observer names end up in pod names.
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
PLUGIN_NAME = r"^[a-z][a-z0-9_-]{0,31}$"
KEY_NAME = r"^[A-Za-z0-9_:.{}-]{1,128}$"
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"
NOTIFY_FLAGS = r"^[KEg$lshzxetmdnA]+$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
ENDPOINT = (
    r"^(rediss?://)?[^\s/@:]+(:[0-9]{1,5})?/?$|^rediss?://[^\s/@:]+@[^\s/@:]+(:[0-9]{1,5})?/?$"
)
"""``host:port``, or a ``redis://`` / ``rediss://`` URL (a user name may be in it, a password
never: it would be on the command line that passes it)."""
ENDPOINT_CHOICE = r"^(primary|replica|[0-6])$"
UNSHOWN_PATTERNS = frozenset({ENDPOINT})
"""Patterns whose wrong values an error message does not repeat: they may hold a password."""

PATTERN_WORDS = {
    DNS_LABEL: "must be a DNS label: lowercase letters, digits and '-', "
    "starting and ending with a letter or digit",
    DNS_SUBDOMAIN: "must be a DNS subdomain: lowercase letters, digits, '-' and '.', "
    "starting and ending with a letter or digit",
    PLUGIN_NAME: "must be a plugin name: a lowercase letter, then up to 31 lowercase letters, "
    "digits, '_' or '-'",
    KEY_NAME: "must be a key name: 1 to 128 letters, digits or any of _ : . { } -",
    QUANTITY: "must be a Kubernetes quantity such as 500m, 2, 256Mi or 1Gi",
    NOTIFY_FLAGS: "may only hold notify-keyspace-events flags (K E g $ l s h z x e t m d n A)",
    ENV_NAME: "must be an environment variable name: letters, digits and '_', not starting "
    "with a digit",
    ENDPOINT: "must be host:port, redis://[user@]host:port or rediss://[user@]host:port, with "
    "no password (give it with spec.target.auth)",
    ENDPOINT_CHOICE: "must be primary, replica or an endpoint's index (0 to 6)",
    CRON_PATTERN: "must be a cron expression of 5 fields, minute (0-59) hour (0-23) "
    "day-of-month (1-31) month (1-12 or jan-dec) day-of-week (0-7 or sun-sat), each a *, a "
    "value, a range or a list with an optional /step; or @hourly, @daily, @weekly, @monthly, "
    "@yearly",
}
"""What each pattern means, in words: error messages never show a regular expression."""

MAX_REPLICAS = 7
MAX_OBSERVERS = 8
MAX_NAME = 253
"""Kubernetes' limit for a resource name (a DNS subdomain)."""
DEFAULT_DURATION_SECONDS = 10.0
MAX_WRITES = 3_600_000
"""Writes per writer a run can hold, warm-up included (an hour at 1,000/s): the writer keeps
two timestamps per write and a clock sample per handshake, the observers a bit per write."""
MAX_STAGE_SECONDS = 604_800
"""A week: the largest stage timeout."""
MAX_MS = 3_600_000.0
"""An hour in milliseconds: the largest latency threshold."""


class Document(BaseModel):
    """The one base model of everything kobench reads and writes (the spec, the status, result
    and comparison documents, a role's configuration): camelCase on the wire, snake_case in
    Python, unknown fields refused, and no NaN or infinity anywhere: a figure that is not a
    number cannot be judged or compared, so a document holding one is refused when read."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", allow_inf_nan=False
    )


class Model(Document):
    """Base of every spec class: immutable, and types as strict as the CRD's (no boolean for a
    number, no numeric strings, no NaN)."""

    model_config = ConfigDict(frozen=True, strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _integral(cls, value: Any, info: ValidationInfo) -> Any:
        """Kubernetes takes ``5.0`` for an integer (JSON has one number type); so does kobench."""
        if (
            isinstance(value, float)
            and math.isfinite(value)
            and value.is_integer()
            and info.field_name is not None
            and cls.model_fields[info.field_name].annotation in _INTEGERS
        ):
            return int(value)
        return value


_INTEGERS = (int, int | None)
