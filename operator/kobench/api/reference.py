"""Field tables as Markdown, generated from the models: the resource reference of the docs site
(``kobench reference``; :mod:`kobench.present.reference_pages` writes the pages)."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kobench.api import BenchmarkSpec


def _unwrapped(annotation: Any) -> Any:
    """The type inside ``Annotated[...]`` (a list's items carry their own bounds)."""
    return get_args(annotation)[0] if get_origin(annotation) is typing.Annotated else annotation


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(get_args(annotation)[0])
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        names = [_type_name(a) for a in get_args(annotation) if a is not type(None)]
        return " \\| ".join(names)
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if origin is dict:
        return "map"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return {int: "integer", float: "number", str: "string", bool: "boolean"}.get(
        annotation, str(annotation)
    )


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        return "a `sync` and an `async` observer" if field.alias == "observers" else ""
    value = field.default
    if value == "":
        return '`""`'
    if value is None or isinstance(value, BaseModel) or value in ({}, []):
        return ""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _bounds(field: FieldInfo) -> str:
    parts = []
    for meta in field.metadata:
        for name, symbol in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(meta, name, None) is not None:
                parts.append(f"{symbol} {getattr(meta, name)}")
    return f" ({', '.join(parts)})" if parts else ""


def _rows(model: type[BaseModel], prefix: str) -> list[str]:
    """One row per field, nested models' fields after their parent's row."""
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}.{field.alias or name}"
        annotation = field.annotation
        description = (field.description or "").replace("|", "\\|")
        rows.append(
            f"| `{path}` | {_type_name(annotation)}{_bounds(field)} | {_default(field)} | "
            f"{description} |"
        )
        nested = [a for a in get_args(annotation) or (annotation,) if isinstance(a, type)]
        if get_origin(annotation) is list:
            nested = [_unwrapped(get_args(annotation)[0])]
            path += "[]"
        for inner in nested:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                rows += _rows(inner, path)
    return rows


def fields_table(model: type[BaseModel], prefix: str) -> str:
    """Every field of ``model`` (and of the models it holds), paths starting at ``prefix``."""
    header = ["| field | type | default | meaning |", "|---|---|---|---|"]
    return "\n".join([*header, *_rows(model, prefix)])


def reference_markdown() -> str:
    """The resource's spec: every field, its type and limits, its default and its meaning."""
    return fields_table(BenchmarkSpec, "spec")
