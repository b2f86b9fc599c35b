"""The Grafana dashboard's queries, and the series the operator really exports.

A panel's PromQL is reduced to its selectors (metric name and matched labels) with a small
tokenizer: label matchers, ranges, strings, grouping clauses and function calls are no metric.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry

from testkit.support import REPO

DASHBOARD = REPO / "helm" / "kobench" / "dashboards" / "kobench.json"
KUSTOMIZE_COPY = REPO / "manifests" / "dashboards" / "sidecar" / "kobench.json"

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
KEYWORDS |= {"and", "or", "unless", "inf", "nan"}
SELECTOR = re.compile(r"(?<![0-9.a-zA-Z_:$])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*\"[^\"]*\"")


@dataclass(frozen=True)
class Query:
    panel: str
    expr: str


@dataclass(frozen=True)
class Selector:
    metric: str
    labels: frozenset[str]


def load(path: Path = DASHBOARD) -> dict[str, Any]:
    dashboard: dict[str, Any] = json.loads(path.read_text())
    return dashboard


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])  # a collapsed row holds its panels


def queries(dashboard: dict[str, Any]) -> list[Query]:
    """Every target expression of every panel."""
    return [
        Query(panel.get("title", "?"), target["expr"])
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets") or []
        if target.get("expr")
    ]


def selectors(expr: str) -> list[Selector]:
    """The series selectors of a PromQL expression."""
    text = GROUPING.sub(" ", expr)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range durations, [$__rate_interval] included
    found = []
    for match in SELECTOR.finditer(text):
        name, braces = match.group(1), match.group(2)
        rest = text[match.end() :].lstrip()
        if name in KEYWORDS or (rest.startswith("(") and not braces):
            continue  # a keyword, or a function call such as sum( or histogram_quantile(
        if re.fullmatch(r"[0-9.e]+", name):
            continue
        labels = frozenset(m.group(1) for m in MATCHER.finditer(braces or ""))
        found.append(Selector(name, labels))
    return found


def exported(registry: CollectorRegistry) -> dict[str, set[str]]:
    """Sample name -> label names, as a scrape of this registry would show them."""
    series: dict[str, set[str]] = {}
    for family in registry.collect():
        for sample in family.samples:
            series.setdefault(sample.name, set()).update(sample.labels)
    return series


def problems(dashboard: dict[str, Any], series: dict[str, set[str]]) -> list[str]:
    """Panel queries that ask for a series (or a label of it) the operator does not export."""
    found = []
    for query in queries(dashboard):
        for selector in selectors(query.expr):
            if selector.metric not in series:
                found.append(f"{query.panel}: {selector.metric} is not exported")
                continue
            missing = selector.labels - series[selector.metric]
            if missing:
                found.append(f"{query.panel}: {selector.metric} has no label {sorted(missing)}")
    return found


GRAFANA_INTERVALS = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
LABEL_VALUES = re.compile(r"label_values\((?:(.*),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)")


def concrete(text: str, *, namespace: str, benchmark: str, mechanism: str = ".*") -> str:
    """A panel's query as Grafana sends it with one namespace and benchmark selected (and every
    mechanism: the variable's All, as it opens)."""
    for variable, value in GRAFANA_INTERVALS.items():
        text = text.replace(variable, value)
    text = text.replace("$namespace", namespace).replace("$benchmark", benchmark)
    return text.replace("$mechanism", mechanism)


def label_queries(dashboard: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(variable, series selector or None, label) of every ``label_values`` variable."""
    found = []
    for variable in dashboard["templating"]["list"]:
        if variable.get("type") != "query":
            continue
        match = LABEL_VALUES.fullmatch(variable["definition"])
        assert match is not None, variable["definition"]
        found.append((variable["name"], match.group(1), match.group(2)))
    return found
