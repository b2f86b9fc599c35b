"""From a file, a stream or a mapping to a validated model, with every problem in one answer.

pydantic stops below a broken field; to find the problems elsewhere, a broken field is dropped
(its default takes its place) and the rest validated again. Cross-field rules then run on the
result, skipping those that read a broken field. Plugin rules come on top, in
:mod:`kobench.plugins.checks` (they need the installed plugins, a layer above the model).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from kobench.api.benchmark import Benchmark, BenchmarkSpec, Envelope
from kobench.api.cross_rules import cross_field_errors
from kobench.api.input_files import read_bounded
from kobench.api.messages import errors_from_validation
from kobench.api.yaml_loader import MAX_BYTES, Document, decode, parse_document
from kobench.errors import InputError, SpecError, SpecErrors

MAX_PASSES = 8


def _plain(data: Any) -> Any:
    """Plain dicts and lists (kopf hands out mapping views; strict models want dicts)."""
    if isinstance(data, Mapping):
        return {key: _plain(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(value) for value in data]
    return data


def _prune(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Drop the mapping key that holds the error at ``loc`` (a whole list, for an item's)."""
    parent, key = None, None
    node = data
    for part in loc:
        if isinstance(node, list):
            break
        if not isinstance(node, dict) or part not in node:
            return False
        parent, key, node = node, part, node[part]
    if parent is None:
        return False
    del parent[key]
    return True


def _validate(
    model: type[BaseModel], data: Mapping[str, Any], prefix: str
) -> tuple[Any, list[SpecError]]:
    """(the model with broken fields defaulted or None, every field error). A field dropped
    in one pass is "missing" in the next: that is not the user's problem, so it is not told."""
    current = _plain(data)
    errors: list[SpecError] = []
    dropped: set[tuple[int | str, ...]] = set()
    for _ in range(MAX_PASSES):
        try:
            return model.model_validate(current), errors
        except ValidationError as exc:
            found = [
                (tuple(e["loc"]), e["type"] == "missing") for e in exc.errors(include_url=False)
            ]
            reported = errors_from_validation(exc, prefix=prefix).errors
            known = {str(e) for e in errors}
            new = [
                error
                for error, (loc, missing) in zip(reported, found, strict=True)
                if str(error) not in known and not (missing and loc in dropped)
            ]
            errors += new
            targets = [loc[:-1] if missing else loc for loc, missing in found]
            pruned = [loc for loc in targets if _prune(current, loc)]
            dropped.update(pruned)
            if not pruned:
                return None, errors
    return None, errors


def spec_checked(data: Any) -> tuple[BenchmarkSpec | None, list[SpecError], list[SpecError]]:
    """A ``spec`` mapping checked: (best-effort model, field errors, cross-field errors). The
    model holds defaults where a field was broken: rules that read one must skip it, and
    only those (a cross-field error breaks no field)."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        return None, [SpecError("spec", "must be a mapping of the benchmark's settings")], []
    spec, errors = _validate(BenchmarkSpec, data, "spec")
    if spec is None:
        return None, errors, []
    return spec, errors, cross_field_errors(spec, broken=[e.field for e in errors])


def spec_errors(data: Any) -> tuple[BenchmarkSpec | None, list[SpecError]]:
    """A ``spec`` mapping checked by field and cross-field rules: (best-effort model, errors)."""
    spec, field_errors, cross_errors = spec_checked(data)
    return spec, field_errors + cross_errors


def benchmark_errors(document: Any) -> tuple[Benchmark | None, list[SpecError]]:
    """A whole resource checked: envelope, metadata and spec, every problem listed."""
    if not isinstance(document, Mapping):
        return None, [
            SpecError("", "a benchmark file must hold one YAML mapping (a Kubernetes resource)")
        ]
    envelope_data = {k: v for k, v in document.items() if k != "spec"}
    envelope, errors = _validate(Envelope, envelope_data, "")
    spec, more = spec_errors(document.get("spec"))
    errors += more
    if envelope is None or spec is None or errors:
        return None, errors
    return Benchmark(**dict(envelope), spec=spec), errors


def raise_any(errors: list[SpecError]) -> None:
    if errors:
        raise SpecErrors(errors)


def parse_spec(data: dict[str, Any] | None) -> BenchmarkSpec:
    """Validate a resource's ``spec`` mapping (as the operator receives it)."""
    spec, errors = spec_errors(data)
    raise_any(errors)
    assert spec is not None
    return spec


def parse_benchmark(data: Any) -> Benchmark:
    """Validate a whole resource document."""
    benchmark, errors = benchmark_errors(data)
    raise_any(errors)
    assert benchmark is not None
    return benchmark


def read_source(source: str | Path) -> tuple[str, bytes]:
    """(label, bytes) of a file, or of standard input for ``-``; at most MAX_BYTES + 1 read."""
    return read_bounded(source, limit=MAX_BYTES)


def load_document(source: str | Path) -> tuple[str, Document]:
    """(label, the one YAML document of a file or stream); InputError when there is none."""
    label, data = read_source(source)
    document = parse_document(label, decode(label, data))
    if document.data is None:
        raise InputError(f"{label}: is empty; a benchmark file holds one resource")
    return label, document


def load_benchmark(path: str | Path) -> Benchmark:
    """Read and validate a benchmark file (its one YAML document), every problem in one answer."""
    _, document = load_document(path)
    benchmark, errors = benchmark_errors(document.data)
    raise_any(document.duplicates + errors)
    assert benchmark is not None
    return benchmark
