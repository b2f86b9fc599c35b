"""Hostile result documents: what a user (or an attacker) may hand to ``kobench compare``,
``kobench report`` and ``spec.baseline.resultFile``. Each case is the bytes of one file and the
words its one-line answer holds. Self-contained: a valid document is built here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kobench.measure.histograms import LatencySummary, encode_histogram, new_histogram, record_us
from kobench.measure.results import (
    ClientInfo,
    Convergence,
    EngineFacts,
    ObserverSummary,
    RunResult,
    WritersSummary,
)


def histogram(*values_us: float) -> str:
    found = new_histogram()
    for value in values_us:
        record_us(found, value)
    return encode_histogram(found)


def latency(p50: float) -> LatencySummary:
    return LatencySummary(
        count=100, mean=p50, p50=p50, p90=1.5 * p50, p99=2 * p50, p999=3 * p50, max=4 * p50
    )


def result(p50: float = 1.0, *, run_id: str = "good-000001") -> RunResult:
    """A valid run result whose only observer, ``sync``, has a p50 of ``p50`` ms."""
    return RunResult(
        benchmark="good",
        run_id=run_id,
        started_ns=1_700_000_000_000_000_000,
        finished_ns=1_700_000_002_000_000_000,
        verdict="Passed",
        reasons=[],
        engine=EngineFacts(type="redis", replicas=1),
        client=ClientInfo(python="3.11", redis_py="8.1.0", hiredis=True, host="h"),
        writers=WritersSummary(
            writers=1, sent=100, planned=100, achieved_rate=100.0, target_rate=100, max_lag_ms=0.1
        ),
        observers=[
            ObserverSummary(
                name="sync",
                mode="sync",
                instances=1,
                target_replica=0,
                received=100,
                expected=100,
                missed=0,
                duplicates=0,
                out_of_order=0,
                disconnects=0,
                negative_latencies=0,
                latency_ms=latency(p50),
                latency_histogram=histogram(p50 * 1000, p50 * 2000),
                rtt_histogram=histogram(400.0),
            )
        ],
        matrix=[],
        convergence=Convergence(checked=True, converged=True),
    )


VALID: dict[str, Any] = json.loads(result().model_dump_json(by_alias=True))


def _set(path: str, value: Any) -> Callable[[], bytes]:
    """VALID with ``observers.0.latencyMs.p50`` set to ``value`` (written as Python's json
    writes NaN and infinities: the tokens a hand-edited or foreign document holds)."""

    def make() -> bytes:
        document = copy.deepcopy(VALID)
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return json.dumps(document).encode()

    return make


def _drop(path: str) -> Callable[[], bytes]:
    def make() -> bytes:
        document = copy.deepcopy(VALID)
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]
        return json.dumps(document).encode()

    return make


def _raw(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _text(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def _replace(old: str, new: str) -> Callable[[], bytes]:
    """VALID's text with one token replaced (numbers JSON cannot carry through json.dumps)."""
    return lambda: json.dumps(VALID).replace(old, new, 1).encode()


@dataclass(frozen=True)
class Doc:
    id: str
    content: Callable[[], bytes]
    words: str
    """Words the one-line answer holds, whichever command read the file."""
    report_words: str = ""
    """What ``kobench report`` says instead, when it differs."""


P50 = "observers.0.latencyMs.p50"
NAN_WORDS = "finite number"

DOCUMENTS: list[Doc] = [
    Doc("empty", _raw(b""), "is empty"),
    Doc("blank", _text("  \n\t\n"), "is empty"),
    Doc("null", _text("null"), "(document)"),
    Doc("list", _text("[]"), "(document)"),
    Doc("number", _text("42"), "(document)"),
    Doc("string", _text('"a result"'), "(document)"),
    Doc("not-json", _text("{not json"), "not JSON"),
    Doc("truncated", lambda: json.dumps(VALID).encode()[:300], "not JSON"),
    Doc("trailing-garbage", lambda: json.dumps(VALID).encode() + b"}", "not JSON"),
    Doc("yaml-instead", _text("benchmark: good\nrunId: x\n"), "not JSON"),
    Doc("binary", _raw(bytes(range(256)) * 8), "not a text file"),
    Doc("nul-in-text", lambda: json.dumps(VALID).encode()[:50] + b"\0", "not a text file"),
    Doc("utf16", lambda: json.dumps(VALID).encode("utf-16"), "not a text file"),
    Doc("latin1", _raw(b'{"benchmark": "caf\xe9"}'), "not a text file"),
    Doc("deep-array", _text("[" * 200_000 + "]" * 200_000), "nested too deeply"),
    Doc("deep-object", _text('{"a":' * 100_000 + "1" + "}" * 100_000), "nested too deeply"),
    Doc("deep-in-field", _text('{"reasons": ' + "[" * 50_000 + "]" * 50_000 + "}"), "nested"),
    Doc(
        "digits-5001",
        _replace('"startedNs": 1700000000000000000', '"startedNs": ' + "9" * 5001),
        "an integer of 5001 digits",
    ),
    Doc(
        "negative-digits",
        _replace('"missed": 0', '"missed": -' + "1" * 5001),
        "an integer of 5001 digits",
    ),
    Doc("digits-41", _replace('"sent": 100', '"sent": ' + "7" * 41), "an integer of 41 digits"),
    Doc("digits-in-list", _text("[" + "1" * 4400 + "]"), "an integer of 4400 digits"),
    Doc("nan-p50", _set(P50, float("nan")), NAN_WORDS),
    Doc("inf-p99", _set("observers.0.latencyMs.p99", float("inf")), NAN_WORDS),
    Doc("minus-inf-max", _set("observers.0.latencyMs.max", float("-inf")), NAN_WORDS),
    Doc("overflow-p50", _replace('"p50": 1.0', '"p50": 1e999'), NAN_WORDS),
    Doc("nan-mean", _set("observers.0.latencyMs.mean", float("nan")), NAN_WORDS),
    Doc("nan-rate", _set("writers.achievedRate", float("nan")), NAN_WORDS),
    Doc("inf-lag", _set("writers.maxLagMs", float("inf")), NAN_WORDS),
    Doc("nan-offset", _set("observers.0.clockOffsetMs", float("nan")), NAN_WORDS),
    Doc("nan-end-lag", _set("observers.0.endLagMs", float("nan")), NAN_WORDS),
    Doc(
        "nan-corrected",
        _set("observers.0.correctedLatencyMs", {**latency(1).model_dump(), "p99": float("nan")}),
        NAN_WORDS,
    ),
    Doc(
        "nan-matrix",
        _set(
            "matrix",
            [
                {
                    "writtenReplica": 0,
                    "observedReplica": 0,
                    "count": 1,
                    "p50Ms": float("nan"),
                    "p99Ms": 1.0,
                }
            ],
        ),
        NAN_WORDS,
    ),
    Doc(
        "nan-fault",
        _set(
            "faults",
            [
                {
                    "index": 0,
                    "action": "killReplica",
                    "target": "r1",
                    "atSeconds": 0.5,
                    "worstOutageMs": float("nan"),
                }
            ],
        ),
        NAN_WORDS,
    ),
    Doc("string-p50", _set(P50, "fast"), P50.replace("observers.0.", "")),
    Doc("string-count", _set("observers.0.received", "many"), "received"),
    Doc("verdict-maybe", _set("verdict", "Maybe"), "verdict"),
    Doc("run-id-number", _set("runId", 3), "runId"),
    Doc("observers-mapping", _set("observers", {"sync": {}}), "observers"),
    Doc("observer-empty", _set("observers.0", {}), "observers.0"),
    Doc("no-benchmark", _drop("benchmark"), "benchmark"),
    Doc("no-writers", _drop("writers"), "writers"),
    Doc("no-engine", _drop("engine"), "engine"),
    Doc("unknown-field", _set("comment", "hello"), "comment"),
    Doc(
        "histogram-not-base64",
        _set("observers.0.latencyHistogram", "not base64!"),
        "not an HDR histogram",
    ),
    Doc(
        "histogram-short", _set("observers.0.latencyHistogram", "HISTFAAA"), "not an HDR histogram"
    ),
    Doc(
        "histogram-wrong-length",
        _set("observers.0.rttHistogram", "HISTFAAAACl4nJNpmSzMwMDAxQABzFCaEUzGfGSCMlvn"),
        "not an HDR histogram",
    ),
    Doc(
        "histogram-huge",
        _set("observers.0.latencyHistogram", "A" * (1024 * 1024 + 4)),
        "not an HDR histogram",
    ),
    Doc("histogram-other-range", lambda: _other_range(), "not a kobench histogram"),
    Doc("comparison-kind", _set("kind", "Comparison"), "comparison document", "kind"),
]


def _other_range() -> bytes:
    from hdrh.histogram import HdrHistogram

    other = HdrHistogram(1, 2**40, 5)  # a range whose counts would need far more memory
    other.record_value(1000)
    document = copy.deepcopy(VALID)
    document["observers"][0]["latencyHistogram"] = other.encode().decode("ascii")
    return json.dumps(document).encode()


BASELINE_ONLY: list[Doc] = [
    Doc(
        "negative-p50",
        _set("observers.0.latencyMs", {**latency(1).model_dump(), "p50": -0.5}),
        "p50 is -0.5 ms",
    ),
    Doc(
        "negative-max",
        _set("observers.0.latencyMs", {**latency(1).model_dump(), "max": -2}),
        "max is -2 ms",
    ),
    Doc("no-latency", _set("observers.0.latencyMs", None), "no latency figures"),
    Doc("other-observer", _set("observers.0.name", "async"), "observer sync is not in run"),
    Doc("no-observers", _set("observers", []), "it has no observers"),
]
"""Documents a comparison can read, but that cannot gate a run (exit 2 before it starts)."""
