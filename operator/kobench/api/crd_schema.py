"""pydantic's JSON schema made structural for a CRD (see :mod:`kobench.api.crd`)."""

from __future__ import annotations

import copy
import typing
from typing import Any

from pydantic import BaseModel

from kobench.api.cel_rules import LIST_MAPS, RULES, Schema

_DROPPED_KEYS = frozenset({"title", "additionalProperties", "$defs", "examples"})
_MAX_STRING = 4096
"""CRD-only bound for strings the model leaves unbounded: CEL cost estimates need one."""


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model class reachable from ``root``, by name (pydantic's ``$defs`` keys)."""
    found: dict[str, type[BaseModel]] = {}
    pending: list[Any] = [root]
    while pending:
        item = pending.pop()
        if isinstance(item, type) and issubclass(item, BaseModel):
            if item.__name__ in found:
                continue
            found[item.__name__] = item
            pending.extend(f.annotation for f in item.model_fields.values())
        else:
            pending.extend(typing.get_args(item))
    return found


def _factory_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """Defaults made by ``default_factory`` (pydantic leaves them out of the JSON schema)."""
    defaults: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        factory = field.default_factory
        if factory is None:
            continue
        value = factory()  # type: ignore[call-arg]
        if isinstance(value, list):
            value = [
                v.model_dump(by_alias=True, exclude_none=True, mode="json")
                if isinstance(v, BaseModel)
                else v
                for v in value
            ]
        defaults[field.alias or name] = value
    return defaults


class Converter:
    def __init__(self, root: type[BaseModel], *, defaults: bool) -> None:
        self.schema = root.model_json_schema(by_alias=True, mode="validation")
        self.defs: dict[str, Schema] = self.schema.get("$defs", {})
        self.models = _models(root)
        self.root_name = root.__name__
        self.defaults = defaults

    def _resolve(self, node: Schema) -> tuple[Schema, str | None]:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            merged = {
                **copy.deepcopy(self.defs[name]),
                **{k: v for k, v in node.items() if k != "$ref"},
            }
            return merged, name
        return node, None

    def convert(self, node: Schema, path: str, model_name: str | None = None) -> Schema:
        node, ref_name = self._resolve(node)
        model_name = ref_name or model_name
        if "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"]
            if len(options) != 1:
                raise ValueError(f"{path}: only 'X | None' unions are supported")
            outer = {k: v for k, v in node.items() if k != "anyOf"}
            inner, inner_ref = self._resolve(options[0])
            node = {**inner, **outer}
            model_name = inner_ref or model_name
        out: Schema = {}
        for key, value in node.items():
            if key in _DROPPED_KEYS or key == "properties" or key == "items":
                continue
            if key == "exclusiveMinimum":
                out["minimum"] = value
                out["exclusiveMinimum"] = True
            elif key == "exclusiveMaximum":
                out["maximum"] = value
                out["exclusiveMaximum"] = True
            elif key == "default":
                if value is None or not self.defaults:
                    continue
                out["default"] = (
                    {} if node.get("type") == "object" and "properties" in node else value
                )
            elif key == "const":
                out["enum"] = [value]
            else:
                out[key] = value
        if "enum" in out and "type" not in out:
            out["type"] = "string"
        if out.get("type") == "object":
            if "properties" in node:
                out["properties"] = self._properties(node, path, model_name)
            elif isinstance(node.get("additionalProperties"), dict):
                out["additionalProperties"] = self.convert(
                    node["additionalProperties"], path + ".*"
                )
        if out.get("type") == "array":
            out["items"] = self.convert(node["items"], path + "[*]")
            if path in LIST_MAPS:
                out["x-kubernetes-list-type"] = "map"
                out["x-kubernetes-list-map-keys"] = LIST_MAPS[path]
        if out.get("type") == "string" and "enum" not in out and "maxLength" not in out:
            out["maxLength"] = _MAX_STRING
        if path in RULES:
            out["x-kubernetes-validations"] = copy.deepcopy(RULES[path])
        return out

    def _properties(self, node: Schema, path: str, model_name: str | None) -> Schema:
        factory: dict[str, Any] = {}
        if self.defaults and model_name in self.models:
            factory = _factory_defaults(self.models[model_name])
        props: Schema = {}
        for name, child in node["properties"].items():
            converted = self.convert(child, f"{path}.{name}")
            if name in factory and "default" not in converted:
                converted["default"] = factory[name]
            props[name] = converted
        return props

    def root(self, path: str) -> Schema:
        return self.convert(self.schema, path, self.root_name)
