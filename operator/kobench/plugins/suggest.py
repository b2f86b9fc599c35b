"""Names of plugins a user got nearly right: ``KeyDB``, ``Async``, ``--engine Valkey``, ``sinc``.

A name of the wrong case breaks the model's pattern before any plugin is looked at, so the
pattern's words ("must be a plugin name ...") are replaced here by what the user needs: the
installed names and the one meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

from kobench.errors import SpecError

_ENGINE_FIELDS = re.compile(r"^spec\.(engine\.type|matrix\.engines\[\d+\]\.type)$")
_MODE_FIELDS = re.compile(r"^spec\.(observers\[\d+\]\.mode|matrix\.observerModes\[\d+\])$")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def did_you_mean(name: str, choices: Sequence[str]) -> str:
    """`` (did you mean keydb?)`` for a name that differs by case or a typo, else ``""``."""
    lowered = name.lower()
    if lowered in choices and lowered != name:
        return f" (did you mean {lowered}?)"
    close = difflib.get_close_matches(lowered, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close and close[0] != name else ""


def unknown(kind: str, name: str, choices: Sequence[str], *, listed: str) -> str:
    """``unknown engine 'KeyDB' (did you mean keydb?); installed engines: keydb, redis``."""
    installed = ", ".join(choices) or "none"
    return f"unknown {kind} {name!r}{did_you_mean(name, choices)}; installed {listed}: {installed}"


def unknown_engine(name: str, choices: Sequence[str]) -> str:
    return unknown("engine", name, choices, listed="engines")


def unknown_mode(name: str, choices: Sequence[str]) -> str:
    return unknown("observer mode", name, choices, listed="modes")


def value_at(document: Any, field: str) -> Any:
    """The value at a reported path (``spec.observers[1].mode``) of a document, or None."""
    node = document
    for key, index in _STEP.findall(field):
        if index:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        else:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def _lowercase_hint(message: str) -> str:
    """``unknown engine 'KeyDB' (did you mean keydb?)`` with why its case matters."""
    return message.replace("?)", "? plugin names are lowercase)", 1)


def with_suggestions(
    errors: list[SpecError], document: Any, engines: Sequence[str], modes: Sequence[str]
) -> list[SpecError]:
    """The errors; a plugin name's pattern error that is a near miss of an installed plugin
    (``KeyDB``) is told as the unknown plugin it is, with the name meant."""
    told: list[SpecError] = []
    for error in errors:
        value = value_at(document, error.field)
        if isinstance(value, str) and error.message.startswith("must be a plugin name"):
            if _ENGINE_FIELDS.match(error.field) and did_you_mean(value, engines):
                error = SpecError(error.field, _lowercase_hint(unknown_engine(value, engines)))
            elif _MODE_FIELDS.match(error.field) and did_you_mean(value, modes):
                error = SpecError(error.field, _lowercase_hint(unknown_mode(value, modes)))
        told.append(error)
    return told
