"""``kobench export --format memtier``: a result document as memtier_benchmark's JSON output.

The format, from memtier_benchmark's source (RedisLabs/memtier_benchmark, ``run_stats.cpp``:
``run_stats::print_json`` and ``result_print_to_json``; ``run_stats_types.h``), checked against
a real output committed there (``1.json``, "Format version" 2):

- ``"ALL STATS"`` holds ``"Runtime"`` (``"Start time"``, ``"Finish time"``, ``"Total duration"``
  in ``"Time unit": "MILLISECONDS"``, wall-clock epoch milliseconds; newer releases add
  ``"Interrupted": "true"/"false"``), then one section per command (``"Sets"``, ``"Gets"``,
  ``"Waits"``, or one per ``--command``) and ``"Totals"``.
- A section: ``"Count"``; ``"Ops/sec"``, ``"Hits/sec"``, ``"Misses/sec"`` (per second of the
  run); ``"Connection Errors/sec"`` and ``"Connection Errors"`` (newer releases); ``"Latency"``
  (= ``"Average Latency"``), ``"Average Latency"``, ``"Min Latency"``, ``"Max Latency"`` in
  milliseconds (``%.3f``: memtier records microseconds in HdrHistograms and divides by
  ``LATENCY_HDR_RESULTS_MULTIPLIER`` = 1000); ``"Accumulated Latency"``, the sum of every
  latency in whole milliseconds; ``"KB/sec"`` and its RX/TX variants; ``"Time-Serie"``;
  ``"Percentile Latencies"``.
- ``"Time-Serie"``: one object per second of the run, keyed ``"0"``, ``"1"``, ...: ``"Bytes RX"``,
  ``"Bytes TX"``, ``"Count"``, and only for a second with samples ``"Average Latency"``,
  ``"Accumulated Latency"``, ``"Min Latency"``, ``"Max Latency"`` and a ``"pNN.NN"`` key per
  quantile (``%.3f`` ms).
- ``"Percentile Latencies"``: a ``"pNN.NN"`` key per quantile (default 50, 99, 99.9: written with
  ``p%.3f`` into an 8-byte buffer, so ``"p50.00"``, ``"p99.00"``, ``"p99.90"``) and
  ``"Histogram log format": {"Compressed Histogram": ...}``, the whole HdrHistogram in its
  compressed V2 base64 encoding (``hdr_string_write``), values in microseconds.

What kobench measures, in those sections (nothing is filled with a figure it did not measure;
a key whose figure kobench does not have is left out, as memtier itself leaves out a second's
latency keys when it had no samples):

- ``"Sets"``: the writers' writes in the measured seconds (warm-up excluded). ``"Count"``,
  ``"Ops/sec"`` (the writers' achieved rate, summed over writers), ``"Hits/sec"`` and
  ``"Misses/sec"`` 0 (as memtier writes them for SETs), ``"Time-Serie"`` counts per second on
  the writers' schedule. No latency: kobench does not time a write's reply (its figure is when
  the write reaches an observer).
- ``"Events <observer>"``, one per observer of the spec: the keyspace notifications it received.
  ``"Count"``: the events with a latency; ``"Ops/sec"`` and ``"Hits/sec"``: events per measured
  second; ``"Misses/sec"``: writes it never saw, per measured second; ``"Connection Errors"``:
  connections it lost; the latencies are the one-way latency from each write's intended send
  time (open loop) to the observer seeing it, on the raw clocks, over every instance (the
  histogram of the result document); ``"Time-Serie"``: events per second and, for a second
  with events, ``"p50.00"``, ``"p99.00"`` and ``"Max Latency"`` (the worst instance's, as in
  the result document: kobench keeps no per-second mean, minimum or p99.9).
- ``"Totals"``: every observer's events together (the writes are in ``"Sets"``); its
  ``"Time-Serie"`` has the summed ``"Count"`` and the worst ``"Max Latency"`` only (percentiles
  of separate observers cannot be merged per second).

Left out everywhere: bytes (``"KB/sec"``, ``"Bytes RX"``/``"TX"``), ``"MOVED/sec"`` and
``"ASK/sec"`` (memtier writes them in cluster mode only), the ``"configuration"`` and ``"run
information"`` blocks (memtier's command line). ``"kobench"`` says which run it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kobench.measure.histograms import (
    Histogram,
    decode_histogram,
    encode_histogram,
    merge_histograms,
    new_histogram,
)
from kobench.measure.results import ObserverSummary, RunResult
from kobench.measure.series import ObserverSecond
from kobench.present.output_files import Output, check_outputs, inputs_of, unwritten, write_text
from kobench.present.result_files import load_run

QUANTILES = (50.0, 99.0, 99.9)
"""memtier's default ``--print-percentiles``."""
Section = dict[str, Any]


def quantile_key(quantile: float) -> str:
    """memtier's key for a quantile: ``p%.2f`` (``p%.3f`` cut to 6 characters, the same)."""
    return f"p{quantile:.3f}"[:6]


def _ms(value_us: float) -> float:
    return round(value_us / 1000.0, 3)


def _per_second(count: int, seconds: int) -> float:
    return round(count / seconds, 2) if seconds else 0.0


def _latency(histogram: Histogram) -> Section:
    """The latency keys of a section, from a histogram in microseconds."""
    count = histogram.get_total_count()
    mean_us = histogram.get_mean_value() if count else 0.0
    return {
        "Latency": _ms(mean_us),
        "Average Latency": _ms(mean_us),
        "Accumulated Latency": int(mean_us * count / 1000.0),
        "Min Latency": _ms(histogram.get_min_value()) if count else 0.0,
        "Max Latency": _ms(histogram.get_max_value()) if count else 0.0,
    }


def _percentiles(histogram: Histogram) -> Section:
    found: Section = {quantile_key(q): _ms(histogram.get_value_at_percentile(q)) for q in QUANTILES}
    encoded = encode_histogram(histogram) if histogram.get_total_count() else ""
    found["Histogram log format"] = {"Compressed Histogram": encoded}
    return found


def _second(s: ObserverSecond, *, percentiles: bool = True) -> Section:
    second: Section = {"Count": s.events}
    if s.events:
        if percentiles and s.p50_ms is not None:
            second[quantile_key(50)] = round(s.p50_ms, 3)
        if percentiles and s.p99_ms is not None:
            second[quantile_key(99)] = round(s.p99_ms, 3)
        if s.max_ms is not None:
            second["Max Latency"] = round(s.max_ms, 3)
    return second


def _events(histogram: Histogram, missed: int, lost: int, seconds: int, series: Section) -> Section:
    count = histogram.get_total_count()
    return {
        "Count": count,
        "Ops/sec": _per_second(count, seconds),
        "Hits/sec": _per_second(count, seconds),
        "Misses/sec": _per_second(missed, seconds),
        "Connection Errors/sec": _per_second(lost, seconds),
        "Connection Errors": lost,
        **_latency(histogram),
        "Time-Serie": series,
        "Percentile Latencies": _percentiles(histogram),
    }


def observer_section(observer: ObserverSummary, seconds: int) -> Section:
    histogram = decode_histogram(observer.latency_histogram)
    series = {str(s.t): _second(s) for s in observer.series}
    return _events(histogram, observer.missed, observer.disconnects, seconds, series)


def totals_section(observers: list[ObserverSummary], seconds: int) -> Section:
    histogram = merge_histograms(
        new_histogram(), (decode_histogram(o.latency_histogram) for o in observers)
    )
    merged: dict[int, ObserverSecond] = {}
    for s in (s for o in observers for s in o.series):
        into = merged.setdefault(s.t, ObserverSecond(t=s.t))
        into.events += s.events
        if s.max_ms is not None:
            into.max_ms = max(into.max_ms or 0.0, s.max_ms)
    series = {str(t): _second(merged[t], percentiles=False) for t in sorted(merged)}
    missed = sum(o.missed for o in observers)
    lost = sum(o.disconnects for o in observers)
    return _events(histogram, missed, lost, seconds, series)


def measured_seconds(result: RunResult) -> int:
    """Seconds of the writers' schedule that were measured (second 0 is the first)."""
    seconds: Iterable[int] = (s.t + 1 for s in result.writers.series)
    return max(seconds, default=0)


def sets_section(result: RunResult, seconds: int) -> Section:
    writers = result.writers
    count = sum(s.sent for s in writers.series)
    rate = writers.achieved_rate * writers.writers if writers.rate_measured else 0.0
    return {
        "Count": count,
        "Ops/sec": round(rate, 2),
        "Hits/sec": 0.0,
        "Misses/sec": 0.0,
        "Time-Serie": {str(s.t): {"Count": s.sent} for s in writers.series},
    }


def memtier_document(result: RunResult) -> dict[str, Any]:
    """The result as memtier_benchmark's JSON (see the module's docstring for each field)."""
    seconds = measured_seconds(result)
    start_ms, finish_ms = result.started_ns // 1_000_000, result.finished_ns // 1_000_000
    stats: dict[str, Any] = {
        "Runtime": {
            "Start time": start_ms,
            "Finish time": finish_ms,
            "Total duration": finish_ms - start_ms,
            "Time unit": "MILLISECONDS",
            "Interrupted": "false",
        },
        "Sets": sets_section(result, seconds),
    }
    for observer in result.observers:
        stats[f"Events {observer.name}"] = observer_section(observer, seconds)
    stats["Totals"] = totals_section(result.observers, seconds)
    return {
        "kobench": {
            "benchmark": result.benchmark,
            "runId": result.run_id,
            "verdict": result.verdict,
            "engine": result.engine.version or result.engine.type,
            "measuredSeconds": seconds,
            "latency": "one-way, from each write's intended send time to the observer seeing "
            "its event (raw clocks), in milliseconds",
        },
        "ALL STATS": stats,
    }


EXPORT_HELP = """\
memtier format: memtier_benchmark's JSON ("ALL STATS": "Runtime", sections, "Totals").
  Sets              the writers' writes in the measured seconds: Count, Ops/sec, Time-Serie
                    counts; no latency (kobench does not time a write's reply)
  Events NAME       one per observer: the events it received; latencies (ms) are one-way,
                    from each write's intended send time to the observer; Misses/sec: writes it
                    never saw; Connection Errors: connections it lost; Time-Serie per second:
                    Count, p50.00, p99.00, Max Latency
  Totals            every observer's events together; Time-Serie: Count and Max Latency
  Left out: bytes (KB/sec, Bytes RX/TX) and memtier's configuration: kobench has no such
  figures. Percentile Latencies hold p50.00, p99.00, p99.90 and the HdrHistogram (us)."""


def cmd_export(args: argparse.Namespace) -> int:
    output = Output("--output", args.output or "")
    if args.output:
        check_outputs([output], inputs_of(("the result file", args.file)))
    document = memtier_document(load_run(Path(args.file)))
    text = json.dumps(document, indent=2) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return 0
    failed = write_text(output, text)
    return unwritten(Path(args.file).stem, text, [failed]) if failed else 0


def add_export_parser(sub: Any) -> None:
    export = sub.add_parser(
        "export",
        help="write a result document in another tool's format (memtier_benchmark's JSON)",
        description="Write a result document in another tool's format.",
        epilog=EXPORT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("file", help="a result document (kobench run -o, kubectl kobench fetch)")
    export.add_argument(
        "--format", required=True, choices=["memtier"], help="memtier: memtier_benchmark's JSON"
    )
    export.add_argument("--output", "-o", help="write it here (default: standard output)")
    export.set_defaults(handler=cmd_export)
