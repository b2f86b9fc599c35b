"""pydantic's errors in words: the camelCase path the user wrote, what was wrong, what is allowed.

No message shows a regular expression or a Python type name; NaN is called NaN.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from kobench.api.basics import PATTERN_WORDS, UNSHOWN_PATTERNS
from kobench.errors import SpecError, SpecErrors

_KINDS = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
    type(None): "null",
}


def describe(value: Any) -> str:
    """A short description of what the user gave: ``true (a boolean)``, ``'100' (a string)``."""
    kind = next((word for cls, word in _KINDS.items() if type(value) is cls), "a value")
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "infinity"
    if isinstance(value, bool):
        return f"{str(value).lower()} ({kind})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"{shown!r} ({kind})"
    if isinstance(value, int | float):
        return f"{value} ({kind})"
    return kind


def shown(value: Any) -> str:
    """The value alone, as the user wrote it: ``0``, ``'Mongo'``, ``NaN``."""
    text = describe(value)
    return text.rsplit(" (", 1)[0] if text.endswith(")") else text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _type_message(kind: str, value: Any) -> str:
    hint = ""
    if isinstance(value, str) and kind in ("an integer", "a number") and _numeric(value):
        hint = "; write the number without quotes"
    return f"must be {kind}, not {describe(value)}{hint}"


def message_for(error: ErrorDetails) -> str:
    """The words for one pydantic error."""
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "Field required"
    if kind == "int_type" or kind == "int_from_float":
        return _type_message("an integer", value)
    if kind == "float_type":
        return _type_message("a number", value)
    if kind == "finite_number":
        return f"must be a finite number, not {describe(value)}"
    if kind == "bool_type":
        return f"must be true or false, not {describe(value)}"
    if kind == "string_type":
        return _type_message("a string", value)
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping, not {describe(value)}"
    if kind == "list_type":
        return f"must be a list, not {describe(value)}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        words = PATTERN_WORDS.get(pattern, "has characters that are not allowed")
        if pattern in UNSHOWN_PATTERNS:  # the value may hold a password
            return words
        return f"{words} (got {shown(value)})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        message += f" (got {shown(value)})"
    return message


def field_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def errors_from_validation(exc: ValidationError, *, prefix: str = "") -> SpecErrors:
    """Turn pydantic's errors into SpecErrors whose field is the camelCase path the user wrote."""
    errors = [
        SpecError(field_path(prefix, tuple(error["loc"])), message_for(error))
        for error in exc.errors(include_url=False)
    ]
    return SpecErrors(errors)
