"""The id of a local run: the benchmark's name and a suffix unique to the run, at most 40
characters of letters, digits and '-' (what :class:`kobench.roles.role_config.RoleConfig` takes)."""

from __future__ import annotations

import hashlib
import re

MAX_RUN_ID = 40
_PLAIN_NONCE = re.compile(r"^[A-Za-z0-9-]{1,12}$")


def local_run_id(name: str, run_nonce: str, *, random_suffix: str) -> str:
    """``name-suffix``: the suffix is the runNonce when it is short and plain, a hash of it
    otherwise, and ``random_suffix`` without one; the name is shortened, never the suffix."""
    if not run_nonce:
        suffix = random_suffix
    elif _PLAIN_NONCE.match(run_nonce):
        suffix = run_nonce
    else:
        suffix = hashlib.sha256(run_nonce.encode()).hexdigest()[:10]
    stem = name.replace(".", "-")[: MAX_RUN_ID - 1 - len(suffix)].rstrip("-")
    return f"{stem}-{suffix}"
