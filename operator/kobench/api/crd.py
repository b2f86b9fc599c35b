"""The CustomResourceDefinition, generated from the spec and status models (``kobench crd``).

The OpenAPI schema is pydantic's JSON schema turned structural: references inlined, ``null``
alternatives dropped (an absent field is ``None``), JSON-Schema-2020 bounds rewritten to OpenAPI
3.0, defaults kept for scalars and lists and ``{}`` for nested objects (so the API server applies
the nested defaults). The rules that span fields (:func:`kobench.api.cross_field_errors`) are
stated again as CEL ``x-kubernetes-validations``; tests check both agree on a table of resources.
"""

from __future__ import annotations

import copy
from typing import Any

from kobench.api import CATEGORY, GROUP, KIND, PLURAL, SHORT_NAME, SINGULAR, VERSION, BenchmarkSpec
from kobench.api.cel_rules import SINGLE_PRIMARY_ENGINES, Schema
from kobench.api.crd_schema import Converter
from kobench.api.status import BenchmarkStatus

PRINTER_COLUMNS: list[Schema] = [
    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
    {"name": "Verdict", "type": "string", "jsonPath": ".status.verdict"},
    {
        "name": "Progress",
        "type": "string",
        "jsonPath": ".status.progress",
        "description": "A matrix: runs ended of all",
    },
    {"name": "Engine", "type": "string", "jsonPath": ".spec.engine.type"},
    {
        "name": "Mechanism",
        "type": "string",
        "jsonPath": ".spec.delivery.mechanism",
        "description": "The delivery mechanism (spec.delivery.mechanism, keyevent by default)",
    },
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
    {
        "name": "Faults",
        "type": "integer",
        "jsonPath": ".status.summary.faults",
        "priority": 1,
        "description": "Faults of spec.faults applied",
    },
    {
        "name": "Worst-Outage",
        "type": "number",
        "jsonPath": ".status.summary.worstOutageMs",
        "priority": 1,
        "description": "Longest outage a fault caused an observer (ms; -1: never ended)",
    },
    {"name": "Run", "type": "string", "jsonPath": ".status.runId", "priority": 1},
    {"name": "Results", "type": "string", "jsonPath": ".status.resultsConfigMap", "priority": 1},
    {"name": "Message", "type": "string", "jsonPath": ".status.message", "priority": 1},
]


def spec_schema() -> Schema:
    schema = Converter(BenchmarkSpec, defaults=True).root("spec")
    schema["default"] = {}
    return schema


def status_schema() -> Schema:
    schema = Converter(BenchmarkStatus, defaults=False).root("status")
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


__all__ = [
    "COMMITTED_PATHS",
    "PRINTER_COLUMNS",
    "SINGLE_PRIMARY_ENGINES",
    "render_crd",
    "render_crd_yaml",
    "spec_schema",
    "status_schema",
]
