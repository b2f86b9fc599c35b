"""Reading a benchmark file safely: bounded size, bounded nesting and aliases, one document.

libyaml's parser (``CSafeLoader``) when PyYAML was built with it, the pure-Python one otherwise.
Limits are checked on the parser's event stream *before* anything is composed or expanded, so
a 10 MB file, a 100,000-deep nesting or an alias bomb costs milliseconds, not memory. Scalars
resolve as the API server's YAML library does (YAML 1.1 without base-60 numbers and timestamps,
``1e3`` a number), so a file means the same to ``kobench`` and to ``kubectl``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from kobench.errors import InputError, SpecError

MAX_BYTES = 1024 * 1024
"""Largest file read (the API server stores objects of up to 1.5 MiB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists (a benchmark needs 5)."""
MAX_NODES = 100_000
"""Most values in a document once every alias is expanded."""
MAX_DIGITS = 40
"""Longest integer (Python refuses to read one of more than 4300 digits, with a traceback)."""

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LIBYAML = _Base is not yaml.SafeLoader
_DROPPED = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_INT = re.compile(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The safe loader with the API server's scalar rules."""

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


def decode(label: str, data: bytes) -> str:
    """The text of a file, or an InputError that says what the file is instead."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{label}: larger than {MAX_BYTES // 1024} KiB; a benchmark is a few KiB")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # As kubectl does: a byte-order mark says UTF-16 (Windows editors write it).
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(f"{label}: is not valid UTF-16 text (byte {exc.start})") from None
    if b"\0" in data:
        raise InputError(f"{label}: is a binary file, not YAML text")
    # As kubectl does: bytes that are not UTF-8 become U+FFFD (a Latin-1 comment is harmless;
    # in a name or a key, the field's own rule refuses it).
    return data.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _yaml_problem(label: str, exc: yaml.YAMLError) -> InputError:
    if "maximum nesting depth" in str(exc):
        # PyYAML >= 6.0.4 stops deep nesting itself, before kobench's own depth check.
        return InputError(f"{label}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        what = exc.problem or "invalid"
        return InputError(
            f"{label}: not valid YAML: {what} (line {mark.line + 1}, column {mark.column + 1})"
        )
    return InputError(f"{label}: not valid YAML: {exc}")


def _check_events(label: str, text: str) -> None:
    """Depth, expanded size and document count from the event stream, before composing."""
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []
    documents = 0
    total = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.DocumentStartEvent):
            total = 0
        elif isinstance(event, yaml.CollectionStartEvent):
            stack.append([1, event.anchor])
            if len(stack) > MAX_DEPTH:
                raise InputError(f"{label}: nested deeper than {MAX_DEPTH} levels")
            continue
        if isinstance(event, yaml.ScalarEvent) and event.implicit[0]:  # plain: not quoted
            _check_integer(label, event)
        if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent | yaml.CollectionEndEvent):
            if isinstance(event, yaml.CollectionEndEvent):
                count, anchor = stack.pop()
            elif isinstance(event, yaml.AliasEvent):
                count, anchor = sizes.get(str(event.anchor), 1), None
            else:
                count, anchor = 1, event.anchor
            if anchor is not None:
                sizes[str(anchor)] = count
            if stack:
                stack[-1][0] += count
            else:
                documents += not (isinstance(event, yaml.ScalarEvent) and _is_null(event))
            total += count
            if total > MAX_NODES:
                raise InputError(
                    f"{label}: expands to more than {MAX_NODES} values (aliases: a YAML bomb?)"
                )
        if documents > 1:
            raise InputError(f"{label}: holds more than one YAML document; give one benchmark")


def _check_integer(label: str, event: yaml.ScalarEvent) -> None:
    """Python refuses to read an integer of over 4300 digits (with a traceback): say so first."""
    digits = len(event.value.lstrip("+-").replace("_", ""))  # any base: 0x fff... too
    if digits > MAX_DIGITS and _INT.match(event.value):
        line = event.start_mark.line + 1 if event.start_mark else 0
        raise InputError(
            f"{label}: an integer of {digits} digits (line {line}); at most {MAX_DIGITS}"
        )


def _is_null(event: yaml.ScalarEvent) -> bool:
    return bool(event.implicit[0]) and event.value in ("", "~", "null", "Null", "NULL")


@dataclass(frozen=True)
class Document:
    """One parsed document and the duplicate keys found in it (Kubernetes refuses those)."""

    data: Any
    duplicates: list[SpecError]


def _duplicates(node: yaml.Node) -> Iterator[SpecError]:
    pending: list[tuple[yaml.Node, str]] = [(node, "")]
    seen_nodes: set[int] = set()
    while pending:
        current, path = pending.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                name = str(key.value)
                child = f"{path}.{name}" if path else name
                if isinstance(key, yaml.ScalarNode) and name in keys and name != "<<":
                    yield SpecError(
                        child, f"appears twice (line {key.start_mark.line + 1}); keep one"
                    )
                keys.add(name)
                pending.append((value, child))
        elif isinstance(current, yaml.SequenceNode):
            pending += [(item, f"{path}[{i}]") for i, item in enumerate(current.value)]


def parse_document(label: str, text: str) -> Document:
    """The one document of a YAML text (None when empty), checked before it is built."""
    try:
        _check_events(label, text)
        loader = _Loader(text)
        try:
            nodes = []
            while loader.check_node():
                node = loader.get_node()
                if node.tag != "tag:yaml.org,2002:null":
                    nodes.append(node)
            if not nodes:
                return Document(None, [])
            node = nodes[0]
            duplicates = list(_duplicates(node))
            return Document(loader.construct_document(node), duplicates)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_problem(label, exc) from None
