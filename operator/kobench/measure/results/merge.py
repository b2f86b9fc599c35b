"""Merging role documents into one run result: counts, latency, clocks, series and outages.

Pure: documents in, a :class:`RunResult` (judged by :mod:`.run_verdict`) out. A role
that died has no document; what the others saw still counts, and nothing is invented for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from kobench.api import BenchmarkSpec
from kobench.api.fault_spec import AppliedFault
from kobench.measure.histograms import (
    Histogram,
    decode_histogram,
    encode_histogram,
    estimate_offset,
    merge_histograms,
    new_histogram,
    summarize,
)
from kobench.measure.results.calibration_figures import role_round_trips, tool_overhead
from kobench.measure.results.counting import (
    count_received,
    sent_by_writer,
    sum_counts,
    warmup_by_writer,
)
from kobench.measure.results.delivery_figures import (
    group_counts,
    guarantee_figures,
    run_delivery,
    shares_work,
)
from kobench.measure.results.documents import (
    Convergence,
    EngineFacts,
    MatrixCell,
    ObserverResult,
    ObserverSummary,
    RunResult,
    WriterResult,
)
from kobench.measure.results.fault_figures import fault_results, fault_seconds
from kobench.measure.results.findings import ClockEstimate, saturation
from kobench.measure.results.probe_docs import ProbeResult
from kobench.measure.results.refused_writes import (
    measured_refused,
    refused_by_writer,
    without_refused,
)
from kobench.measure.results.run_verdict import judge
from kobench.measure.results.writers_summary import writers_summary
from kobench.measure.series import ObserverSecond, Outage


def _clock(
    name: str, documents: list[ObserverResult], writers: list[WriterResult]
) -> ClockEstimate | None:
    samples = [
        (sample.offset_us, sample.delay_us)
        for writer in writers
        for key, sample in writer.clock.items()
        if key.split(".")[0] == name
    ]
    estimate = estimate_offset(samples)
    if estimate is None:
        return None
    return ClockEstimate(
        offset_ms=round(estimate[0] / 1000.0, 4),
        uncertainty_ms=round(estimate[1] / 2000.0, 4),
        same_host=bool(_same_host(documents, writers)),
    )


def _same_host(documents: list[ObserverResult], writers: list[WriterResult]) -> bool | None:
    """Whether these roles share one clock (one host, or in a cluster one node)."""
    hosts = {w.client.host for w in writers} | {d.client.host for d in documents}
    return len(hosts) == 1 if writers and documents else None


def merge_observer_series(series: list[list[ObserverSecond]]) -> list[ObserverSecond]:
    """Instances merged per second: events and missed summed, the worst p50, p99 and max."""
    merged: dict[int, ObserverSecond] = {}
    for samples in series:
        for s in samples:
            into = merged.get(s.t)
            if into is None:
                merged[s.t] = s.model_copy()
                continue
            into.events += s.events
            into.missed += s.missed
            for name in ("p50_ms", "p99_ms", "max_ms"):
                values = [v for v in (getattr(into, name), getattr(s, name)) if v is not None]
                setattr(into, name, max(values) if values else None)
    return [merged[t] for t in sorted(merged)]


def _histograms(encoded: list[str]) -> Histogram:
    return merge_histograms(new_histogram(), [decode_histogram(h) for h in encoded])


def _outages(name: str, documents: list[ObserverResult]) -> list[Outage]:
    """Every instance's connection losses, labelled with the instance, in time order."""
    labelled = (
        o.model_copy(update={"observer": f"{name}.{d.instance}"})
        for d in documents
        for o in d.outages
    )
    return sorted(labelled, key=lambda o: o.started_ns)


def _handshake_samples(name: str, writers: list[WriterResult]) -> int:
    """The answers the writers received from one observer's instances."""
    return sum(c for w in writers for key, c in w.handshakes.items() if key.split(".")[0] == name)


def observer_summary(
    spec: BenchmarkSpec,
    name: str,
    documents: list[ObserverResult],
    writers: list[WriterResult],
    sent: dict[int, int],
    faulted: frozenset[int] = frozenset(),
    refused: dict[int, int] | None = None,
) -> ObserverSummary:
    """``faulted``: the seconds a fault of the schedule disturbed (no saturation trend there);
    ``refused``: per writer, the measured writes the engine refused (never made)."""
    observer = next(o for o in spec.observers if o.name == name)
    warmup = warmup_by_writer(spec, writers)
    mode = spec.workload.key_mode
    per_instance = [count_received(mode, doc, sent, warmup, refused) for doc in documents]
    total, unacknowledged = sum_counts(per_instance), None
    if shares_work(documents, observer.replicas):
        total, unacknowledged = group_counts(per_instance, documents)
        per_instance = [total]  # one group: its consumers share the writes
    latency = _histograms([h for d in documents for h in d.latency.values()])
    rtt = _histograms([h for w in writers for key, h in w.rtt.items() if key.split(".")[0] == name])
    read = _histograms([h for d in documents for h in d.read_latency.values()])
    clock = _clock(name, documents, writers)
    raw = summarize(latency)
    corrected = raw
    if raw is not None and clock is not None and clock.applied:
        corrected = raw.shifted(-clock.offset_ms)
    series = merge_observer_series([d.series for d in documents])
    end_lag = max((d.end_lag_ms for d in documents if d.end_lag_ms is not None), default=None)
    return ObserverSummary(
        name=name,
        mode=observer.mode,
        **guarantee_figures(documents),
        unacknowledged=unacknowledged,
        instances=len(documents),
        target_replica=observer.target_replica,
        received=total.received,
        expected=total.expected,
        missed=total.missed,
        duplicates=total.duplicates,
        worst_instance_missed=max((c.missed for c in per_instance), default=0),
        worst_instance_duplicates=max((c.duplicates for c in per_instance), default=0),
        out_of_order=total.out_of_order,
        superseded=total.superseded,
        disconnects=sum(d.disconnects for d in documents),
        worst_instance_disconnects=max((d.disconnects for d in documents), default=0),
        negative_latencies=sum(d.negative_latencies for d in documents),
        latency_basis="read"
        if any(d.latency_basis == "read" for d in documents)
        else "notification",
        latency_ms=raw,
        read_latency_ms=summarize(read),
        corrected_latency_ms=corrected,
        handshake_rtt_ms=summarize(rtt),
        handshake_every=observer.handshake_every,
        handshake_samples=_handshake_samples(name, writers),
        clock_offset_ms=None if clock is None else clock.offset_ms,
        clock_uncertainty_ms=None if clock is None else clock.uncertainty_ms,
        clock_same_host=_same_host(documents, writers),
        end_lag_ms=end_lag,
        saturation=saturation(series, end_lag, faulted=faulted),
        errors=[f"{name}.{d.instance}: {d.error}" for d in documents if d.error],
        series=series,
        outages=_outages(name, documents),
        tool_overhead=tool_overhead(corrected, documents),
        latency_histogram=encode_histogram(latency) if latency.get_total_count() else "",
        rtt_histogram=encode_histogram(rtt) if rtt.get_total_count() else "",
    )


def matrix(documents: list[ObserverResult]) -> list[MatrixCell]:
    cells: dict[tuple[int, int], Histogram] = {}
    for doc in documents:
        for replica, encoded in doc.latency.items():
            cell = (int(replica), doc.target_replica)
            merge_histograms(cells.setdefault(cell, new_histogram()), [decode_histogram(encoded)])
    result = []
    for (written, observed), hist in sorted(cells.items()):
        summary = summarize(hist)
        if summary is None:
            continue
        result.append(
            MatrixCell(
                written_replica=written,
                observed_replica=observed,
                count=hist.get_total_count(),
                p50_ms=summary.p50,
                p99_ms=summary.p99,
            )
        )
    return result


def merge_run(
    *,
    benchmark: str,
    run_id: str,
    spec: BenchmarkSpec,
    writers: list[WriterResult],
    observers: list[ObserverResult],
    engine: EngineFacts,
    convergence: Convergence,
    started_ns: int,
    finished_ns: int,
    extra_reasons: list[str] | None = None,
    fault_records: Sequence[AppliedFault] = (),
    measured_from_ns: int = 0,
    probe: ProbeResult | None = None,
) -> RunResult:
    """Merge role documents into one run result and judge it.

    ``fault_records``: what the injector and the runner applied of ``spec.faults``, timed from
    ``measured_from_ns`` (default: the earliest writer's first measured write); ``probe``: what
    the capability probe found (the engine's hz among it: an expiry's lag follows it)."""
    sent = sent_by_writer(spec, writers, observers)
    # Writes the engine refused were never made: no observer missed them.
    warmup, refused_runs = warmup_by_writer(spec, writers), refused_by_writer(writers)
    refused = measured_refused(refused_runs, warmup)
    observers = [without_refused(d, refused_runs, warmup, spec.workload.rate) for d in observers]
    measured_from = measured_from_ns or min(
        (w.measured_start_ns for w in writers if w.measured_start_ns), default=0
    )
    faulted = frozenset(fault_seconds(fault_records, measured_from))
    summaries = [
        observer_summary(
            spec,
            o.name,
            [d for d in observers if d.name == o.name],
            writers,
            sent,
            faulted,
            refused,
        )
        for o in spec.observers
    ]
    client = writers[0].client if writers else (observers[0].client if observers else None)
    result = RunResult(
        benchmark=benchmark,
        run_id=run_id,
        started_ns=started_ns,
        finished_ns=finished_ns,
        verdict="Passed",
        reasons=[],
        engine=engine,
        client=client,
        writers=writers_summary(spec, writers),
        observers=summaries,
        matrix=matrix(observers),
        convergence=convergence,
        calibration=role_round_trips(writers, observers),
        delivery=run_delivery(spec, observers, probe.hz if probe else None),
        probe=probe,
    )
    if spec.faults:
        faults = fault_results(spec, fault_records, observers, measured_from, writers)
        result = result.model_copy(update={"faults": faults})
    verdict, reasons = judge(spec, result)
    reasons = list(extra_reasons or []) + reasons
    if extra_reasons and verdict == "Passed":
        verdict = "Failed"
    return result.model_copy(update={"verdict": verdict, "reasons": reasons})


def result_schema() -> dict[str, object]:
    """JSON schema of the merged result document."""
    return RunResult.model_json_schema(by_alias=True)
