"""The hostile-input corpus: files a user (or an attacker) may hand to kobench or kubectl.

Each case is the bytes of one file, the exit code ``kobench validate`` must give (0 valid,
2 invalid) and, for an invalid one, the field its message must name (``""`` for a problem of
the file itself, with ``words`` the message must hold). Large cases are generated.
``api_server`` says what the API server does when it differs from kobench on purpose (see
``tests/controlplane/crd/test_parity.py`` and the README's list of differences).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from testkit.corpus.corpus_faults import FAULTS
from testkit.corpus.corpus_specs import DELETE, ENVELOPE_AND_ENGINE
from testkit.corpus.corpus_workload import WORKLOAD_AND_REST

SPEC_CASES = ENVELOPE_AND_ENGINE + WORKLOAD_AND_REST + FAULTS

BASE: dict[str, Any] = {
    "apiVersion": "kobench.io/v1alpha1",
    "kind": "KeyDBObserverBenchmark",
    "metadata": {"name": "corpus"},
    "spec": {
        "engine": {"type": "redis", "replicas": 2},
        "workload": {"rate": 100, "durationSeconds": 2},
        "observers": [{"name": "sync", "mode": "sync"}],
    },
}


@dataclass(frozen=True)
class Case:
    id: str
    content: Callable[[], bytes]
    code: int
    field: str | None = None
    """The field the message names (invalid cases); ``""``: the file itself."""
    words: str = ""
    """Words the message holds."""
    api_server: str | None = None
    """Why the API server answers differently (a difference that cannot be removed)."""


def mutated(changes: dict[str, Any]) -> dict[str, Any]:
    """BASE with ``{"spec.workload.rate": 0, ...}`` applied (DELETE removes a key)."""
    document = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = document
        for part in parents:
            node = node.setdefault(part, {})
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return document


def _dump(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


def _text(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def _raw(data: bytes) -> Callable[[], bytes]:
    return lambda: data


VALID_TEXT = _dump(BASE).decode()
DUPLICATES = (
    "kubectl's YAML library keeps the last of two equal keys without a word; kobench refuses "
    "the file, since nobody can tell which value the author meant"
)
MANY_DOCUMENTS = "kubectl applies every document of a file; kobench runs one benchmark"


def _alias_bomb() -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return _in_metadata("  annotations:\n" + "".join(f"    {line}\n" for line in lines))


def _in_metadata(extra: str) -> bytes:
    head = "metadata:\n  name: corpus\n"
    return VALID_TEXT.replace(head, head + extra).encode()


def _deep_list(depth: int) -> bytes:
    return (VALID_TEXT + "extra: " + "[" * depth + "]" * depth + "\n").encode()


def _deep_mapping(depth: int) -> bytes:
    return (VALID_TEXT + "extra: " + "{a: " * depth + "1" + "}" * depth + "\n").encode()


def _large_annotation(size: int) -> bytes:
    return _in_metadata(f"  annotations:\n    big: {'x' * size}\n")


FILE_CASES: list[Case] = [
    Case("empty-file", _raw(b""), 2, "", "is empty"),
    Case("only-comments", _text("# nothing here\n# at all\n"), 2, "", "is empty"),
    Case("only-separator", _text("---\n...\n"), 2, "", "is empty"),
    Case("binary", _raw(bytes(range(256)) * 4), 2, "", "binary"),
    Case("utf16-le", lambda: VALID_TEXT.encode("utf-16"), 0),
    Case("utf16-be", lambda: b"\xfe\xff" + VALID_TEXT.encode("utf-16-be"), 0),
    Case("utf16-no-bom", lambda: VALID_TEXT.encode("utf-16-le"), 2, "", "binary"),
    Case("utf16-odd-length", lambda: VALID_TEXT.encode("utf-16") + b"x", 2, "", "UTF-16"),
    Case(
        "latin1-comment",
        lambda: VALID_TEXT.encode() + b"# caf\xe9\n",
        0,
    ),
    Case(
        "latin1-name",
        lambda: VALID_TEXT.encode().replace(b"name: corpus", b"name: caf\xe9"),
        2,
        "metadata.name",
        "DNS subdomain",
    ),
    Case("ten-megabytes", lambda: _large_annotation(10 * 1024 * 1024), 2, "", "larger than"),
    Case("two-megabytes", lambda: _large_annotation(2 * 1024 * 1024), 2, "", "larger than"),
    Case(
        "annotations-300k",
        lambda: _large_annotation(300 * 1024),
        2,
        "metadata.annotations",
        "262144",
    ),
    Case("deep-list-100k", lambda: _deep_list(100_000), 2, "", "nested deeper"),
    Case("deep-list-1000", lambda: _deep_list(1000), 2, "", "nested deeper"),
    Case("deep-mapping-1000", lambda: _deep_mapping(1000), 2, "", "nested deeper"),
    Case("deep-mapping-70", lambda: _deep_mapping(70), 2, "", "nested deeper"),
    Case("deep-mapping-20", lambda: _deep_mapping(20), 2, "extra", "unknown field"),
    Case("alias-bomb", _alias_bomb, 2, "", "expands to more than"),
    Case(
        "two-documents",
        lambda: (VALID_TEXT + "---\n" + VALID_TEXT).encode(),
        2,
        "",
        "more than one YAML document",
        api_server=MANY_DOCUMENTS,
    ),
    Case(
        "namespace-then-benchmark",
        lambda: (
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n" + VALID_TEXT
        ).encode(),
        2,
        "",
        "more than one YAML document",
        api_server=MANY_DOCUMENTS,
    ),
    Case("unclosed-bracket", _text("apiVersion: [kobench.io\n"), 2, "", "not valid YAML"),
    Case(
        "tab-indent",
        lambda: VALID_TEXT.replace("  name: corpus", "\tname: corpus").encode(),
        2,
        "",
        "not valid YAML",
    ),
    Case(
        "python-tag",
        lambda: (VALID_TEXT + "x: !!python/object/apply:os.system [ls]\n").encode(),
        2,
        "",
        "not valid YAML",
    ),
    Case(
        "undefined-alias", lambda: (VALID_TEXT + "x: *nothing\n").encode(), 2, "", "not valid YAML"
    ),
    Case(
        "bell-character",
        lambda: VALID_TEXT.replace("corpus", "cor\x07pus").encode(),
        2,
        "",
        "not valid YAML",
    ),
    Case("top-level-list", lambda: _dump([BASE]), 2, "", "one YAML mapping"),
    Case("top-level-scalar", _text("hello\n"), 2, "", "one YAML mapping"),
    Case(
        "duplicate-rate",
        lambda: VALID_TEXT.replace("rate: 100\n", "rate: 100\n    rate: 5\n").encode(),
        2,
        "spec.workload.rate",
        "appears twice",
        api_server=DUPLICATES,
    ),
    Case(
        "duplicate-spec",
        lambda: (VALID_TEXT + "spec: {}\n").encode(),
        2,
        "spec",
        "appears twice",
        api_server=DUPLICATES,
    ),
    Case(
        "nan-duration",
        lambda: VALID_TEXT.replace("durationSeconds: 2", "durationSeconds: .nan").encode(),
        2,
        "spec.workload.durationSeconds",
        "NaN",
    ),
    Case(
        "inf-threshold",
        lambda: (
            VALID_TEXT.replace("  workload:", "  thresholds: {p99LatencyMs: .inf}\n  workload:")
        ).encode(),
        2,
        "spec.thresholds.p99LatencyMs",
        "finite",
    ),
    Case("json", lambda: json.dumps(BASE).encode(), 0),
    Case("nonce-unquoted-date", _text(VALID_TEXT + "  runNonce: 2024-06-01\n"), 0),
    Case("nonce-unquoted-time", _text(VALID_TEXT + "  runNonce: 2024-06-01 10:00:00\n"), 0),
    Case("rate-exponent", _text(VALID_TEXT.replace("rate: 100", "rate: 1e2")), 0),
    Case("rate-hex", _text(VALID_TEXT.replace("rate: 100", "rate: 0x64")), 0),
    Case("rate-underscores", _text(VALID_TEXT.replace("rate: 100", "rate: 1_00")), 0),
    Case(
        "rate-base-60",
        _text(VALID_TEXT.replace("rate: 100", "rate: 1:40")),
        2,
        "spec.workload.rate",
        "must be an integer",
    ),
    Case("handshake-yes", _text(VALID_TEXT + "    handshake: yes\n"), 0),
    Case(
        "nonce-unquoted-number",
        _text(VALID_TEXT + "  runNonce: 20240601\n"),
        2,
        "spec.runNonce",
        "must be a string",
    ),
    Case("utf8-bom", lambda: b"\xef\xbb\xbf" + VALID_TEXT.encode(), 0),
    Case("crlf", lambda: VALID_TEXT.replace("\n", "\r\n").encode(), 0),
    Case("trailing-empty-document", lambda: (VALID_TEXT + "---\n").encode(), 0),
    Case("leading-separator", lambda: ("---\n" + VALID_TEXT).encode(), 0),
    Case(
        "anchor",
        _text(
            VALID_TEXT.replace(
                "  workload:\n    rate: 100\n    durationSeconds: 2\n",
                "  workload: &w\n    rate: 100\n    durationSeconds: 2\n",
            )
        ),
        0,
    ),
    Case("flow-style", lambda: yaml.safe_dump(BASE, default_flow_style=True).encode(), 0),
    Case("annotations-ok", lambda: _in_metadata("  annotations:\n    note: fine\n"), 0),
    Case("labels-ok", lambda: _in_metadata("  labels:\n    app.kubernetes.io/name: x\n"), 0),
    Case("status-ignored", lambda: (VALID_TEXT + "status: {phase: Running}\n").encode(), 0),
]


def spec_cases() -> list[Case]:
    cases = []
    for case_id, changes, code, field, words, api_server in SPEC_CASES:
        document = mutated(changes)
        cases.append(
            Case(case_id, lambda d=document: _dump(d), code, field, words, api_server)  # type: ignore[misc]
        )
    return cases


CASES: list[Case] = FILE_CASES + spec_cases()
