"""The CustomResourceDefinition, generated from the spec and status models (``kobench crd``).

The OpenAPI schema is pydantic's JSON schema turned structural: references inlined, ``null``
alternatives dropped (an absent field is ``None``), JSON-Schema-2020 bounds rewritten to OpenAPI
3.0, defaults kept for scalars and lists and ``{}`` for nested objects (so the API server applies
the nested defaults). The rules that span fields (:func:`kobench.spec.cross_field_errors`) are
stated again as CEL ``x-kubernetes-validations``; tests check both agree on a table of resources.
"""

from __future__ import annotations

import copy
import typing
from typing import Any

from pydantic import BaseModel

from kobench.spec import (
    CATEGORY,
    GROUP,
    KIND,
    PLURAL,
    SHORT_NAME,
    SINGULAR,
    VERSION,
    BenchmarkSpec,
)
from kobench.status import BenchmarkStatus

Schema = dict[str, Any]

_DROPPED_KEYS = frozenset({"title", "additionalProperties", "$defs", "examples"})
_MAX_STRING = 4096
"""CRD-only bound for strings the model leaves unbounded: CEL cost estimates need one."""

# Cross-field rules (the same as kobench.spec.cross_field_errors), placed where the field is.
_RULES: dict[str, list[Schema]] = {
    "spec.engine.notifyKeyspaceEvents": [
        {
            "rule": "self.contains('E')",
            "message": "must include E: observers listen on __keyevent@<db>__:set",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "self.contains('$') || self.contains('A')",
            "message": "must include $ or A: SET is a string command",
            "reason": "FieldValueInvalid",
        },
    ],
    "spec.workload": [
        {
            "rule": "!(has(self.durationSeconds) && has(self.writes))",
            "message": "set either durationSeconds or writes, not both",
            "reason": "FieldValueForbidden",
        },
    ],
    "spec": [
        {
            "rule": "!has(self.workload) || !has(self.workload.targetReplica) || "
            "self.workload.targetReplica < (has(self.engine) && has(self.engine.replicas) "
            "? self.engine.replicas : 3)",
            "message": "must be below engine.replicas",
            "fieldPath": ".workload.targetReplica",
            "reason": "FieldValueInvalid",
        },
        {
            "rule": "!has(self.observers) || self.observers.all(o, !has(o.targetReplica) || "
            "o.targetReplica < (has(self.engine) && has(self.engine.replicas) "
            "? self.engine.replicas : 3))",
            "message": "every observer's targetReplica must be below engine.replicas",
            "fieldPath": ".observers",
            "reason": "FieldValueInvalid",
        },
    ],
}

# Observer names are unique: a list-type map keyed by name makes the API server say so.
_LIST_MAPS: dict[str, list[str]] = {"spec.observers": ["name"]}

PRINTER_COLUMNS: list[Schema] = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Verdict", "type": "string", "jsonPath": ".status.verdict"},
    {"name": "Engine", "type": "string", "jsonPath": ".spec.engine.type"},
    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.engine.replicas"},
    {"name": "Writes", "type": "integer", "jsonPath": ".status.summary.writes"},
    {"name": "Missed", "type": "integer", "jsonPath": ".status.summary.missed"},
    {
        "name": "P50",
        "type": "number",
        "jsonPath": ".status.summary.p50Ms",
        "description": "Worst observer p50 event latency (ms)",
    },
    {
        "name": "P99",
        "type": "number",
        "jsonPath": ".status.summary.p99Ms",
        "description": "Worst observer p99 event latency (ms)",
    },
    {
        "name": "RTT-P99",
        "type": "number",
        "jsonPath": ".status.summary.rttP99Ms",
        "description": "Worst observer p99 handshake round trip (ms)",
    },
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    {
        "name": "Rate",
        "type": "number",
        "jsonPath": ".status.summary.achievedRate",
        "priority": 1,
        "description": "Achieved writes per second per writer",
    },
    {"name": "Key-Mode", "type": "string", "jsonPath": ".spec.workload.keyMode", "priority": 1},
    {"name": "Run", "type": "string", "jsonPath": ".status.runId", "priority": 1},
    {"name": "Results", "type": "string", "jsonPath": ".status.resultsConfigMap", "priority": 1},
    {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
]


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


class _Converter:
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
            if path in _LIST_MAPS:
                out["x-kubernetes-list-type"] = "map"
                out["x-kubernetes-list-map-keys"] = _LIST_MAPS[path]
        if out.get("type") == "string" and "enum" not in out and "maxLength" not in out:
            out["maxLength"] = _MAX_STRING
        if path in _RULES:
            out["x-kubernetes-validations"] = copy.deepcopy(_RULES[path])
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


def spec_schema() -> Schema:
    schema = _Converter(BenchmarkSpec, defaults=True).root("spec")
    schema["default"] = {}
    return schema


def status_schema() -> Schema:
    schema = _Converter(BenchmarkStatus, defaults=False).root("status")
    schema["properties"]["kopf"] = {
        "type": "object",
        "description": "kopf's own bookkeeping (progress and last handled configuration).",
        "x-kubernetes-preserve-unknown-fields": True,
    }
    return schema


def render_crd() -> dict[str, Any]:
    """The whole CustomResourceDefinition as a dict (what ``kobench crd`` prints as YAML)."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{PLURAL}.{GROUP}",
            "labels": {"app.kubernetes.io/name": "kobench", "app.kubernetes.io/part-of": "kobench"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "kind": KIND,
                "listKind": f"{KIND}List",
                "plural": PLURAL,
                "singular": SINGULAR,
                "shortNames": [SHORT_NAME],
                "categories": [CATEGORY],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": copy.deepcopy(PRINTER_COLUMNS),
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": "A benchmark of keyspace-notification observers on "
                            "KeyDB, Redis or Valkey: the operator deploys the engine, the observers"
                            " "
                            "and the writer, and reports latency, losses and a verdict.",
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": spec_schema(),
                                "status": status_schema(),
                            },
                        }
                    },
                }
            ],
        },
    }


def render_crd_yaml() -> str:
    import yaml

    return "---\n" + yaml.safe_dump(render_crd(), sort_keys=False, width=100)


COMMITTED_PATHS = (
    "manifests/crd.yaml",
    "helm/kobench/crds/keydbobserverbenchmarks.kobench.io.yaml",
)
"""Where the repository keeps the rendered CRD (a test fails when either drifts)."""


if __name__ == "__main__":
    print(render_crd_yaml(), end="")
