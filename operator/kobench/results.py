"""Result documents: what each role emits, and the merged run result with its verdict.

The same merged document comes out of a local run and a cluster run. Roles emit one
:class:`WriterResult` or :class:`ObserverResult`; :func:`merge_run` (pure) turns them, plus the
engine facts and the convergence check, into a :class:`RunResult` with a verdict and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from kobench.series import ObserverSecond, Outage, WriterSecond
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
    notifications: Annotated[
        int, Field(description="SET notifications of the run's keys (shared mode counts these).")
    ] = 0
    superseded: Annotated[
        int,
        Field(description="Shared mode: reads that found a newer write than the one notified."),
    ] = 0
    handshakes_sent: int = 0
    disconnects: int = 0
    foreign_events: int = 0
    end_lag_ms: Annotated[
        float | None,
        Field(
            description="How long after the writer's last write the observer saw its end marker: "
            "the backlog left at the end of the run."
        ),
    ] = None
    series: list[ObserverSecond] = []
    outages: list[Outage] = []
    error: str | None = None


class ClockSample(Doc):
    """The best NTP-style estimate of one observer instance's clock against a writer's."""

    offset_us: float
    delay_us: float
    samples: int


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
        dict[str, str],
        Field(description="Handshake round trip in us per observer instance 'name.index' (HDR)."),
    ] = {}
    handshakes: dict[str, int] = {}
    clock: dict[str, ClockSample] = {}
    engine: Annotated[
        EngineFacts | None, Field(description="Writer 0 only: engine version and replication.")
    ] = None
    series: list[WriterSecond] = []
    convergence: Annotated[
        Convergence | None,
        Field(description="Writer 0 only: the post-run read-back of every replica."),
    ] = None
    error: str | None = None


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
    superseded: Annotated[
        int, Field(description="Shared mode: notified writes whose value was already overwritten.")
    ] = 0
    disconnects: int
    negative_latencies: int
    latency_ms: Annotated[
        LatencySummary | None, Field(description="One-way latency on the raw clocks.")
    ] = None
    corrected_latency_ms: Annotated[
        LatencySummary | None,
        Field(description="One-way latency corrected by a significant clock offset (else raw)."),
    ] = None
    handshake_rtt_ms: LatencySummary | None = None
    clock_offset_ms: float | None = None
    clock_uncertainty_ms: float | None = None
    clock_same_host: bool | None = None
    end_lag_ms: Annotated[
        float | None, Field(description="Worst backlog at the end of the run, over instances.")
    ] = None
    errors: list[str] = []
    series: list[ObserverSecond] = []
    outages: list[Outage] = []
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
    planned: Annotated[
        int, Field(description="Writes the spec asks for, warm-up included, over all writers.")
    ]
    achieved_rate: float
    target_rate: int
    max_lag_ms: float
    series: list[WriterSecond] = []
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


@dataclass
class _Counts:
    received: int = 0
    expected: int = 0
    missed: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    superseded: int = 0


def _sent_by_writer(
    spec: BenchmarkSpec, writers: list[WriterResult], observers: list[ObserverResult]
) -> dict[int, int]:
    """Writes each writer sent. A writer without a document died: the highest sequence any
    observer saw from it is a lower bound of what it sent."""
    sent = {w.writer_id: w.sent for w in writers}
    for writer_id in range(spec.workload.writers):
        if writer_id not in sent:
            sent[writer_id] = max(
                (d.writers.get(str(writer_id), WriterCounts()).highest_seq + 1 for d in observers),
                default=0,
            )
    return sent


def _count(key_mode: str, doc: ObserverResult, sent_by_writer: dict[int, int]) -> _Counts:
    """What one observer instance received against what the writers sent.

    unique mode: per writer, distinct sequences against writes sent. shared mode: a notification
    cannot say which write it announces, so notifications are counted against writes sent, and
    reads that found an even newer value are reported as superseded (not as lost).
    """
    sent = sum(sent_by_writer.values())
    if key_mode == "shared":
        received = min(doc.notifications, sent)
        return _Counts(
            received=received,
            expected=sent,
            missed=sent - received,
            duplicates=max(0, doc.notifications - sent),
            out_of_order=sum(c.out_of_order for c in doc.writers.values()),
            superseded=doc.superseded,
        )
    counts = _Counts(expected=sent)
    for writer_id, writer_sent in sent_by_writer.items():
        seen = doc.writers.get(str(writer_id), WriterCounts())
        counts.received += min(seen.distinct, writer_sent)
        counts.missed += max(0, writer_sent - seen.distinct)
        counts.duplicates += seen.duplicates
        counts.out_of_order += seen.out_of_order
    return counts


@dataclass(frozen=True)
class ClockEstimate:
    offset_ms: float
    uncertainty_ms: float
    same_host: bool

    @property
    def significant(self) -> bool:
        """An offset is only real if path asymmetry (up to half the delay) cannot explain it."""
        return not self.same_host and abs(self.offset_ms) > self.uncertainty_ms

    @property
    def excess_ms(self) -> float:
        """How far the offset certainly is from zero."""
        return 0.0 if not self.significant else abs(self.offset_ms) - self.uncertainty_ms


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
    hosts = {w.client.host for w in writers} | {d.client.host for d in documents}
    return ClockEstimate(
        offset_ms=round(estimate[0] / 1000.0, 4),
        uncertainty_ms=round(estimate[1] / 2000.0, 4),
        same_host=len(hosts) == 1,
    )


def _observer_summary(
    spec: BenchmarkSpec,
    name: str,
    documents: list[ObserverResult],
    writers: list[WriterResult],
    sent_by_writer: dict[int, int],
) -> ObserverSummary:
    observer = next(o for o in spec.observers if o.name == name)
    total = _Counts()
    latency = new_histogram()
    errors: list[str] = []
    for doc in documents:
        counts = _count(spec.workload.key_mode, doc, sent_by_writer)
        for field_name in vars(total):
            setattr(total, field_name, getattr(total, field_name) + getattr(counts, field_name))
        if doc.error:
            errors.append(f"{name}.{doc.instance}: {doc.error}")
        merge_histograms(latency, [decode_histogram(h) for h in doc.latency.values()])
    rtt = new_histogram()
    for writer in writers:
        merge_histograms(
            rtt,
            [decode_histogram(h) for key, h in writer.rtt.items() if key.split(".")[0] == name],
        )
    clock = _clock(name, documents, writers)
    raw = summarize(latency)
    corrected = raw
    if raw is not None and clock is not None and clock.significant:
        corrected = raw.shifted(-clock.offset_ms)
    return ObserverSummary(
        name=name,
        mode=observer.mode,
        instances=len(documents),
        target_replica=observer.target_replica,
        received=total.received,
        expected=total.expected,
        missed=total.missed,
        duplicates=total.duplicates,
        out_of_order=total.out_of_order,
        superseded=total.superseded,
        disconnects=sum(d.disconnects for d in documents),
        negative_latencies=sum(d.negative_latencies for d in documents),
        latency_ms=raw,
        corrected_latency_ms=corrected,
        handshake_rtt_ms=summarize(rtt),
        clock_offset_ms=None if clock is None else clock.offset_ms,
        clock_uncertainty_ms=None if clock is None else clock.uncertainty_ms,
        clock_same_host=None if clock is None else clock.same_host,
        end_lag_ms=max((d.end_lag_ms for d in documents if d.end_lag_ms is not None), default=None),
        errors=errors,
        latency_histogram=encode_histogram(latency) if latency.get_total_count() else "",
        rtt_histogram=encode_histogram(rtt) if rtt.get_total_count() else "",
    )


def _matrix(documents: list[ObserverResult]) -> list[MatrixCell]:
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


def _observer_reasons(obs: ObserverSummary, spec: BenchmarkSpec) -> tuple[list[str], list[str]]:
    """(invalid, failed) reasons for one observer."""
    thresholds, validity = spec.thresholds, spec.validity
    invalid: list[str] = []
    failed: list[str] = list(obs.errors)
    if obs.instances == 0:
        return invalid, [*failed, f"observer {obs.name} produced no result"]
    if obs.missed / obs.instances > thresholds.max_missed:
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
    offset, uncertainty = obs.clock_offset_ms, obs.clock_uncertainty_ms
    if (
        offset is not None
        and uncertainty is not None
        and not obs.clock_same_host
        and abs(offset) - uncertainty > validity.max_clock_offset_ms
    ):
        invalid.append(
            f"observer {obs.name} clock offset {offset:+.3f} ms (+-{uncertainty:.3f}) exceeds "
            f"validity.maxClockOffsetMs {validity.max_clock_offset_ms:g}"
        )
    latency = obs.corrected_latency_ms or obs.latency_ms
    if latency is None:
        if obs.received == 0 and not obs.errors:
            failed.append(f"observer {obs.name} received no measured events")
        return invalid, failed
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
    rtt, rtt_bound = obs.handshake_rtt_ms, thresholds.handshake_rtt_p99_ms
    if rtt_bound is not None and rtt is not None and rtt.p99 > rtt_bound:
        failed.append(
            f"observer {obs.name} handshake p99 {rtt.p99:.3f} ms is above the threshold "
            f"{rtt_bound:g} ms"
        )
    return invalid, failed


def judge(spec: BenchmarkSpec, result: RunResult) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons. Invalid wins over Failed: untrusted numbers are not judged."""
    validity = spec.validity
    writers = result.writers
    invalid: list[str] = []
    failed: list[str] = list(writers.errors)
    shortfall = (
        100.0 * (1.0 - writers.achieved_rate / writers.target_rate) if writers.target_rate else 0
    )
    if writers.sent and shortfall > validity.max_rate_shortfall_percent:
        invalid.append(
            f"writers achieved {writers.achieved_rate:.0f} writes/s, {shortfall:.0f}% below the "
            f"target {writers.target_rate}/s (bound {validity.max_rate_shortfall_percent:g}%)"
        )
    for obs in result.observers:
        more_invalid, more_failed = _observer_reasons(obs, spec)
        invalid += more_invalid
        failed += more_failed
    convergence = result.convergence
    if validity.require_convergence and not convergence.converged:
        if convergence.checked:
            failed.append(f"replicas did not converge: {convergence.detail}")
        else:
            failed.append(f"convergence could not be checked: {convergence.detail}")
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
    achieved = sum(w.achieved_rate for w in writers) / len(writers) if writers else 0.0
    writers_summary = WritersSummary(
        writers=len(writers),
        sent=sent,
        planned=workload.total_writes * workload.writers,
        achieved_rate=round(achieved, 1),
        target_rate=workload.rate,
        max_lag_ms=round(max((w.max_lag_us for w in writers), default=0.0) / 1000.0, 3),
        errors=[f"writer {w.writer_id}: {w.error}" for w in writers if w.error],
    )
    sent_by_writer = _sent_by_writer(spec, writers, observers)
    summaries = [
        _observer_summary(
            spec, o.name, [d for d in observers if d.name == o.name], writers, sent_by_writer
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
