"""The HTML page of a report: one self-contained file (styles, data and scripts inline).

Nothing is loaded from the network: uPlot (vendored, MIT) and the drawing script are embedded,
fonts are the system's. The tables are plain HTML, so the numbers read without JavaScript; the
charts need it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Sequence
from html import escape
from importlib import resources
from typing import Any

import yaml

from kobench.measure.histograms import LatencySummary
from kobench.measure.results import RunResult
from kobench.present.delivery_lines import delivery_lines
from kobench.present.pages.page_data import (
    HeatMap,
    Plot,
    WorstSecond,
    heat_map,
    plots,
    worst_second,
)

VERDICT_CLASS = {"Passed": "passed", "Failed": "failed", "Invalid": "invalid"}


def asset(name: str) -> str:
    return (resources.files("kobench.present.pages") / name).read_text(encoding="utf-8")


def script_safe(text: str) -> str:
    """Text that cannot end the <script> element it is embedded in."""
    return text.replace("</", "<\\/")


def _when(ns: int) -> str:
    moment = datetime.datetime.fromtimestamp(ns / 1e9, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _ms(summary: LatencySummary | None, field: str) -> str:
    return "-" if summary is None else f"{getattr(summary, field):.3f}"


def html_table(head: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    """A table of already-escaped cells (the first column left-aligned, the rest right)."""
    cls = f' class="{css}"' if css else ""
    header = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    table = f"<table{cls}><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'  # a narrow window scrolls, never clips


def _worst(worst: WorstSecond) -> str:
    latency = "no event" if worst.p99_ms is None else f"p99 {worst.p99_ms:.3f}"
    return f"{worst.t} s: {latency}, {worst.missed} missed"


def _observers(result: RunResult) -> str:
    rows = []
    for o in result.observers:
        latency = o.corrected_latency_ms or o.latency_ms
        worst = worst_second(o)
        rows.append(
            [
                escape(o.name if o.instances == 1 else f"{o.name} x{o.instances}"),
                escape(o.mode),
                str(o.target_replica),
                f"{o.received}/{o.expected}",
                str(o.missed),
                str(o.duplicates),
                _ms(latency, "p50"),
                _ms(latency, "p90"),
                _ms(latency, "p99"),
                _ms(latency, "p999"),
                _ms(latency, "max"),
                _ms(o.handshake_rtt_ms, "p99"),
                "-" if o.clock_offset_ms is None else f"{o.clock_offset_ms:+.3f}",
                "-" if worst is None else _worst(worst),
            ]
        )
    head = ["observer", "mode", "replica", "received", "missed", "dups", "p50", "p90", "p99"]
    head += ["p99.9", "max", "rtt p99", "offset", "worst second"]
    saturated = "".join(
        f"<li>{escape(o.name)} could not keep up: {escape(o.saturation)}</li>"
        for o in result.observers
        if o.saturation
    )
    return (
        "<h3>Event latency per observer (ms)</h3>"
        + html_table(head, rows, "numbers")
        + (f'<ul class="reasons">{saturated}</ul>' if saturated else "")
    )


def _heat(matrix: HeatMap | None) -> str:
    if matrix is None or len(matrix.written) * len(matrix.observed) < 2:
        return ""
    head = ["written \\ observed", *[f"replica {o}" for o in matrix.observed]]
    rows = []
    for written, cells in zip(matrix.written, matrix.rows, strict=True):
        row = [f"replica {written}"]
        for cell in cells:
            if cell is None:
                row.append('<span class="none">-</span>')
                continue
            # Light (fast) to dark red (slow), relative to this matrix's own p99 range.
            lightness = 95 - round(cell.shade * 45)
            ink = "#fff" if lightness < 65 else "#1b1b1b"
            row.append(
                f'<span class="heat" style="background:hsl(8 75% {lightness}%);color:{ink}" '
                f'title="{cell.count} events">p50 {cell.p50_ms:.3f}<br>p99 '
                f"{cell.p99_ms:.3f}</span>"
            )
        rows.append(row)
    return "<h3>Replica matrix (ms, p99 shaded)</h3>" + html_table(head, rows, "heat-map")


def _outages(result: RunResult) -> str:
    rows = []
    for o in result.observers:
        for outage in o.outages:
            rows.append(
                [
                    escape(outage.observer or o.name),
                    _when(outage.started_ns),
                    "never" if not outage.ended_ns else _when(outage.ended_ns),
                    "-"
                    if not outage.ended_ns
                    else f"{(outage.ended_ns - outage.started_ns) / 1e6:.1f}",
                    str(outage.missed),
                    "-"
                    if outage.first_event_after_ms is None
                    else f"{outage.first_event_after_ms:.1f}",
                    escape(outage.reason),
                ]
            )
    if not rows:
        return "<h3>Outages</h3><p>None: every observer stayed connected.</p>"
    head = ["observer", "lost", "recovered", "ms", "missed", "first event after (ms)", "reason"]
    return "<h3>Outages</h3>" + html_table(head, rows, "numbers")


def _number(value: float | None, never: str = "-") -> str:
    return never if value is None else f"{value:.0f}"


def _faults(result: RunResult) -> str:
    """One row per fault and observer instance: the outage and losses it caused."""
    if not result.faults:
        return ""
    rows = []
    for fault in result.faults:
        applied = "-" if fault.applied_at_seconds is None else f"{fault.applied_at_seconds:.3f}"
        name = f"{fault.action} {fault.target}"
        if fault.overlaps:
            name += f" (window overlaps #{', #'.join(str(i) for i in fault.overlaps)})"
        head = [str(fault.index), escape(name), applied]
        head += [_number(fault.duration_ms), _number(fault.resync_ms)]
        if not fault.observers and not fault.deaths:
            rows.append([*head, escape(fault.error or "-"), "-", "-", "-"])
        for impact in fault.observers:
            outage = "killed" if impact.killed else _number(impact.outage_ms, "no event after")
            lost = str(impact.lost)
            if impact.lost_in_overlap:
                lost += f" ({impact.lost_in_overlap} in an overlap)"
            after = _number(impact.p99_after_ms)
            rows.append([*head, escape(impact.observer), outage, lost, after])
        rows += [[*head, escape(death), "stopped", "-", "-"] for death in fault.deaths]
    columns = ["#", "fault", "applied (s)", "lasted (ms)", "resync (ms)", "observer"]
    columns += ["outage (ms)", "lost", "p99 after (ms)"]
    return "<h3>Faults</h3>" + html_table(columns, rows, "numbers")


def _facts(result: RunResult) -> str:
    writers, engine = result.writers, result.engine
    links = ", ".join(
        f"{s.index}: {s.role} ({'up' if s.link_up else 'DOWN'})" for s in engine.replication
    )
    convergence = result.convergence
    state = "converged" if convergence.converged else "NOT converged"
    if not convergence.checked:
        state = "not checked"
    rows = [
        ["run", escape(f"{result.run_id}, {_when(result.started_ns)}")],
        [
            "engine",
            escape(f"{engine.server}, {engine.replicas} replica(s): {links}"),
        ],
        [
            "writers",
            escape(
                f"{writers.writers}, sent {writers.sent} of {writers.planned} measured writes "
                f"(+{writers.warmup} warm-up, not counted), achieved "
                f"{writers.achieved_rate:.0f}/s of {writers.target_rate}/s each, worst schedule "
                f"lag {writers.max_lag_ms:.3f} ms"
            ),
        ],
        ["convergence", escape(f"{state} ({convergence.detail})")],
    ]
    # What ran and which figures apply: "delivery", "expiry", and each observer's guarantee.
    rows += [
        [escape(k), escape(v)] for k, v in (line.split(": ", 1) for line in delivery_lines(result))
    ]
    if result.client is not None:
        c = result.client
        rows.append(
            [
                "client",
                escape(
                    f"python {c.python}, redis-py {c.redis_py}, hiredis "
                    f"{'yes' if c.hiredis else 'no'}, host {c.host}"
                ),
            ]
        )
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="facts">{body}</table>'


def _run_section(result: RunResult, spec: dict[str, Any] | None) -> str:
    verdict = escape(result.verdict)
    css = VERDICT_CLASS.get(result.verdict, "")
    reasons = "".join(f"<li>{escape(r)}</li>" for r in result.reasons)
    spec_html = (
        f"<details><summary>Spec</summary><pre>{escape(yaml.safe_dump(spec, sort_keys=False))}"
        "</pre></details>"
        if spec
        else "<p class=note>The spec is not part of this result document.</p>"
    )
    return (
        f'<section class="run"><h2><span class="verdict {css}">{verdict}</span> '
        f"{escape(result.benchmark)} <small>run {escape(result.run_id)}</small></h2>"
        + (f'<ul class="reasons">{reasons}</ul>' if reasons else "")
        + _facts(result)
        + _observers(result)
        + _heat(heat_map(result))
        + _faults(result)
        + _outages(result)
        + spec_html
        + "</section>"
    )


def plot_data(found: Sequence[Plot]) -> str:
    return script_safe(json.dumps([dataclasses.asdict(p) for p in found], allow_nan=False))


def render_html(
    results: Sequence[RunResult], specs: Sequence[dict[str, Any] | None] | None = None
) -> str:
    """The report page on one result document (a run) or several (a comparison)."""
    if not results:
        raise ValueError("a report needs at least one result document")
    spec_list = list(specs) if specs is not None else [None] * len(results)
    found = plots(results)
    if len(results) == 1:
        r = results[0]
        title = f"{r.verdict} {r.benchmark} (run {r.run_id})"
    else:
        title = f"Comparison of {len(results)} runs"
    runs = "".join(_run_section(r, s) for r, s in zip(results, spec_list, strict=True))
    return html_page(title, "", runs, found)


def html_page(title: str, header: str, body: str, found: Sequence[Plot]) -> str:
    """The self-contained page every report shares: styles, the charts of ``found`` above
    ``body`` (escaped HTML), the plot data and the scripts that draw them."""
    charts = "".join(
        f'<figure><figcaption>{escape(p.title)}</figcaption><div class="plot" '
        f'id="plot-{p.id}"></div></figure>'
        for p in found
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>kobench: {escape(title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{asset('vendor/uPlot.min.css')}\n{asset('report.css')}</style></head>"
        f'<body data-plots-expected="{len(found)}" data-plots-drawn="0">'
        f"<header><h1>kobench: {escape(title)}</h1>{header}</header>"
        f'<main><section class="charts">{charts}</section>{body}</main>'
        '<noscript><p class="note">The charts need JavaScript; the tables do not.</p></noscript>'
        f'<script type="application/json" id="kobench-data">{plot_data(found)}</script>'
        f"<script>{script_safe(asset('vendor/uPlot.iife.min.js'))}</script>"
        f"<script>{script_safe(asset('report.js'))}</script>"
        "</body></html>\n"
    )
