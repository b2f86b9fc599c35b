"""Result documents: what each role emits, and the merged run result with its verdict.

The same merged document comes out of a local run and a cluster run. Roles emit one
:class:`WriterResult` or :class:`ObserverResult`; :func:`merge_run` (pure) turns them, plus the
engine facts and the convergence check, into a :class:`RunResult` with a verdict and reasons.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from kobench.spec import BenchmarkSpec
from kobench.stats import (
    Histogram,
    LatencySummary,
    decode_histogram,
    encode_histogram,
    estimate_offset,
    merge_histograms,
    new_histogram,
    summarize,
)

SCHEMA_VERSION = 1

Verdict = Literal["Passed", "Failed", "Invalid"]


class Doc(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ClientInfo(Doc):
    """Client library versions: they move the figures by 1.3-1.8x."""

    python: str
    redis_py: str
    hiredis: bool
    host: str


class WriterCounts(Doc):
    """What an observer saw from one writer."""

    distinct: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    highest_seq: int = -1


class ObserverResult(Doc):
    """One observer instance's document."""

    role: Literal["observer"] = "observer"
    schema_version: int = SCHEMA_VERSION
    name: str
    instance: int
    mode: str
    target_replica: int
    client: ClientInfo
    started_ns: int
    ended_ns: int
    writers: dict[str, WriterCounts] = {}
    latency: Annotated[
        dict[str, str], Field(description="Raw one-way latency in us per written replica (HDR).")
    ] = {}
    negative_latencies: int = 0
    handshakes_sent: int = 0
    disconnects: int = 0
    foreign_events: int = 0
    error: str | None = None


class ClockSample(Doc):
    """The best NTP-style estimate of one observer instance's clock against a writer's."""

    offset_us: float
    delay_us: float
    samples: int


class WriterResult(Doc):
    """One writer's document."""

    role: Literal["writer"] = "writer"
    schema_version: int = SCHEMA_VERSION
    writer_id: int
    target_replicas: list[int]
    client: ClientInfo
    started_ns: int
    ended_ns: int
    sent: int = 0
    warmup_writes: int = 0
    measured_seconds: float = 0.0
    achieved_rate: float = 0.0
    max_lag_us: float = 0.0
    rtt: Annotated[
        dict[str, str], Field(description="Handshake round trip in us per 'observer/instance' (HDR).")
    ] = {}
    handshakes: dict[str, int] = {}
    clock: dict[str, ClockSample] = {}
    error: str | None = None


class ReplicaState(Doc):
    index: int
    address: str
    role: str
    link_up: bool
    detail: str = ""


class EngineFacts(Doc):
    type: str
    version: str = ""
    replicas: int
    replication: list[ReplicaState] = []


class Convergence(Doc):
    checked: bool
    converged: bool
    detail: str = ""


class ObserverSummary(Doc):
    """Per named observer, merged over its instances."""

    name: str
    mode: str
    instances: int
    target_replica: int
    received: int
    expected: int
    missed: int
    duplicates: int
    out_of_order: int
    disconnects: int
    negative_latencies: int
    latency_ms: LatencySummary | None = None
    corrected_latency_ms: LatencySummary | None = None
    handshake_rtt_ms: LatencySummary | None = None
    clock_offset_ms: float | None = None
    clock_uncertainty_ms: float | None = None
    errors: list[str] = []
    latency_histogram: str = ""
    rtt_histogram: str = ""


class MatrixCell(Doc):
    written_replica: int
    observed_replica: int
    count: int
    p50_ms: float
    p99_ms: float


class WritersSummary(Doc):
    writers: int
    sent: int
    measured_expected: int
    achieved_rate: float
    target_rate: int
    max_lag_ms: float
    errors: list[str] = []


class RunResult(Doc):
    """The result of one run: the same document locally and in a cluster."""

    schema_version: int = SCHEMA_VERSION
    benchmark: str
    run_id: str
    started_ns: int
    finished_ns: int
    verdict: Verdict
    reasons: list[str]
    engine: EngineFacts
    client: ClientInfo | None = None
    writers: WritersSummary
    observers: list[ObserverSummary]
    matrix: list[MatrixCell]
    convergence: Convergence


def _observer_summary(
    spec: BenchmarkSpec,
    name: str,
    documents: list[ObserverResult],
    writers: list[WriterResult],
    expected_per_writer: int,
) -> ObserverSummary:
    observer = next(o for o in spec.observers if o.name == name)
    warmup = spec.workload.warmup_writes
    received = duplicates = out_of_order = disconnects = negatives = missed = 0
    expected = 0
    latency = new_histogram()
    errors: list[str] = []
    for doc in documents:
        disconnects += doc.disconnects
        negatives += doc.negative_latencies
        if doc.error:
            errors.append(f"{name}/{doc.instance}: {doc.error}")
        merge_histograms(latency, [decode_histogram(h) for h in doc.latency.values()])
        for writer in writers:
            counts = doc.writers.get(str(writer.writer_id), WriterCounts())
            sent = writer.sent
            expected += sent
            received += counts.distinct
            duplicates += counts.duplicates
            out_of_order += counts.out_of_order
            missed += max(0, sent - counts.distinct)
        if not writers:
            expected += expected_per_writer
            missed += expected_per_writer
    del warmup
    rtt = new_histogram()
    offsets: list[tuple[float, float]] = []
    for writer in writers:
        for key, encoded in writer.rtt.items():
            if key.split("/")[0] == name:
                merge_histograms(rtt, [decode_histogram(encoded)])
        for key, sample in writer.clock.items():
            if key.split("/")[0] == name:
                offsets.append((sample.offset_us, sample.delay_us))
    offset = estimate_offset(offsets)
    raw = summarize(latency)
    corrected = None
    if raw is not None and offset is not None:
        corrected = raw.shifted(-offset[0] / 1000.0)
    return ObserverSummary(
        name=name,
        mode=observer.mode,
        instances=len(documents),
        target_replica=observer.target_replica,
        received=received,
        expected=expected,
        missed=missed,
        duplicates=duplicates,
        out_of_order=out_of_order,
        disconnects=disconnects,
        negative_latencies=negatives,
        latency_ms=raw,
        corrected_latency_ms=corrected,
        handshake_rtt_ms=summarize(rtt),
        clock_offset_ms=None if offset is None else round(offset[0] / 1000.0, 4),
        clock_uncertainty_ms=None if offset is None else round(offset[1] / 2000.0, 4),
        errors=errors,
        latency_histogram=encode_histogram(latency) if latency.get_total_count() else "",
        rtt_histogram=encode_histogram(rtt) if rtt.get_total_count() else "",
    )


def _matrix(documents: list[ObserverResult]) -> list[MatrixCell]:
    cells: dict[tuple[int, int], Histogram] = {}
    for doc in documents:
        for written, encoded in doc.latency.items():
            key = (int(written), doc.target_replica)
            merge_histograms(cells.setdefault(key, new_histogram()), [decode_histogram(encoded)])
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


def judge(spec: BenchmarkSpec, result: RunResult) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons. Invalid wins over Failed: untrustworthy numbers are not judged."""
    invalid: list[str] = []
    failed: list[str] = []
    validity = spec.validity
    thresholds = spec.thresholds
    writers = result.writers
    failed.extend(writers.errors)
    shortfall = 100.0 * (1.0 - writers.achieved_rate / writers.target_rate) if writers.target_rate else 0
    if writers.sent and shortfall > validity.max_rate_shortfall_percent:
        invalid.append(
            f"writers achieved {writers.achieved_rate:.0f} writes/s, {shortfall:.0f}% below the "
            f"target {writers.target_rate}/s (bound {validity.max_rate_shortfall_percent:g}%)"
        )
    for obs in result.observers:
        failed.extend(obs.errors)
        if obs.instances == 0:
            failed.append(f"observer {obs.name} produced no result")
            continue
        per_instance_missed = obs.missed / obs.instances
        if per_instance_missed > thresholds.max_missed:
            failed.append(
                f"observer {obs.name} missed {obs.missed} of {obs.expected} events "
                f"(allowed {thresholds.max_missed} per instance)"
            )
        if obs.duplicates / obs.instances > thresholds.max_duplicates:
            failed.append(f"observer {obs.name} saw {obs.duplicates} duplicate events")
        if obs.disconnects:
            failed.append(
                f"observer {obs.name} lost its connection {obs.disconnects} time(s); "
                "pub/sub drops events while disconnected"
            )
        if obs.clock_offset_ms is not None and abs(obs.clock_offset_ms) > validity.max_clock_offset_ms:
            invalid.append(
                f"observer {obs.name} clock offset {obs.clock_offset_ms:.3f} ms exceeds "
                f"maxClockOffsetMs {validity.max_clock_offset_ms:g}"
            )
        latency = obs.corrected_latency_ms or obs.latency_ms
        if latency is None:
            if obs.received == 0 and not obs.errors:
                failed.append(f"observer {obs.name} received no measured events")
            continue
        checks = (
            ("p50", latency.p50, thresholds.p50_latency_ms),
            ("p99", latency.p99, thresholds.p99_latency_ms),
            ("max", latency.max, thresholds.max_latency_ms),
        )
        for label, value, bound in checks:
            if bound is not None and value > bound:
                failed.append(
                    f"observer {obs.name} {label} latency {value:.3f} ms is above the "
                    f"threshold {bound:g} ms"
                )
        rtt = obs.handshake_rtt_ms
        bound = thresholds.handshake_rtt_p99_ms
        if bound is not None and rtt is not None and rtt.p99 > bound:
            failed.append(
                f"observer {obs.name} handshake p99 {rtt.p99:.3f} ms is above the threshold "
                f"{bound:g} ms"
            )
    if validity.require_convergence and result.convergence.checked and not result.convergence.converged:
        failed.append(f"replicas did not converge: {result.convergence.detail}")
    if invalid:
        return "Invalid", invalid + failed
    if failed:
        return "Failed", failed
    return "Passed", []


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
) -> RunResult:
    """Merge role documents into one run result and judge it."""
    workload = spec.workload
    sent = sum(w.sent for w in writers)
    seconds = [w.measured_seconds for w in writers if w.measured_seconds > 0]
    achieved = (
        sum(w.achieved_rate for w in writers) / len(writers) if writers else 0.0
    )
    writers_summary = WritersSummary(
        writers=len(writers),
        sent=sent,
        measured_expected=workload.total_writes * workload.writers,
        achieved_rate=round(achieved, 1),
        target_rate=workload.rate,
        max_lag_ms=round(max((w.max_lag_us for w in writers), default=0.0) / 1000.0, 3),
        errors=[f"writer {w.writer_id}: {w.error}" for w in writers if w.error],
    )
    del seconds
    summaries = [
        _observer_summary(
            spec,
            o.name,
            [d for d in observers if d.name == o.name],
            writers,
            workload.total_writes,
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
        writers=writers_summary,
        observers=summaries,
        matrix=_matrix(observers),
        convergence=convergence,
    )
    verdict, reasons = judge(spec, result)
    reasons = list(extra_reasons or []) + reasons
    if extra_reasons and verdict == "Passed":
        verdict = "Failed"
    return result.model_copy(update={"verdict": verdict, "reasons": reasons})


def result_schema() -> dict[str, object]:
    """JSON schema of the merged result document."""
    return RunResult.model_json_schema(by_alias=True)
