"""Prometheus series of every benchmark's last run, from a custom collector that holds each
resource's last result: forgetting a resource (when it is deleted) removes all of its series at
once. Latency histograms are exposed with sub-millisecond buckets, computed from the run's HDR
histograms."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from kobench.measure.histograms import decode_histogram
from kobench.run.actions import RunRecord

LATENCY_BUCKETS_SECONDS: tuple[float, ...] = (
    0.000025,
    0.00005,
    0.0001,
    0.00015,
    0.0002,
    0.00025,
    0.0003,
    0.0004,
    0.0005,
    0.00075,
    0.001,
    0.0015,
    0.002,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)
"""Upper bounds (seconds): 25 us to 5 s, dense below a millisecond (where a calm run's p50
and p99 fall, so histogram_quantile interpolates within 50-100 us there)."""
VERDICTS = ("Passed", "Failed", "Invalid")


def _buckets(encoded: str) -> tuple[list[tuple[str, float]], float] | None:
    """Cumulative buckets and sum (seconds) of an encoded HDR histogram in microseconds."""
    if not encoded:
        return None
    histogram = decode_histogram(encoded)
    total = histogram.get_total_count()
    if not total:
        return None
    counts = [0] * len(LATENCY_BUCKETS_SECONDS)
    total_us = 0.0
    for item in histogram.get_recorded_iterator():
        value_us = item.value_iterated_to
        count = item.count_at_value_iterated_to
        total_us += value_us * count
        for i, bound in enumerate(LATENCY_BUCKETS_SECONDS):
            if value_us <= bound * 1_000_000:
                counts[i] += count
                break
    buckets: list[tuple[str, float]] = []
    running = 0
    for bound, count in zip(LATENCY_BUCKETS_SECONDS, counts, strict=True):
        running += count
        buckets.append((repr(bound), float(running)))
    buckets.append(("+Inf", float(total)))
    return buckets, total_us / 1_000_000


class RunCollector(Collector):
    """Series of each benchmark's last run; ``forget`` drops a benchmark's series."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[tuple[str, str], RunRecord] = {}

    def record(self, namespace: str, name: str, record: RunRecord) -> None:
        with self._lock:
            self._runs[(namespace, name)] = record

    def forget(self, namespace: str, name: str) -> None:
        with self._lock:
            self._runs.pop((namespace, name), None)

    def known(self) -> list[tuple[str, str]]:
        with self._lock:
            return sorted(self._runs)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            runs = dict(self._runs)
        families = _Families()
        for (namespace, name), record in sorted(runs.items()):
            families.add(namespace, name, record)
        yield from families.all()


BASE_LABELS = ["namespace", "benchmark"]
OBSERVER_LABELS = [*BASE_LABELS, "observer", "mechanism"]
"""An observer's series name its delivery mechanism (mechanism:variant), for the dashboard's
mechanism variable."""


class _Families:
    """The metric families of one scrape, filled run by run."""

    def __init__(self) -> None:
        self._run_families(BASE_LABELS)
        self._observer_families(OBSERVER_LABELS)
        self._fault_families([*BASE_LABELS, "fault", "action", "target"])

    def _run_families(self, base: list[str]) -> None:
        self.verdict = GaugeMetricFamily(
            "kobench_run_verdict", "1 for the verdict of the last run.", labels=[*base, "verdict"]
        )
        self.cell = GaugeMetricFamily(
            "kobench_run_cell_info",
            "1 for a benchmark that is one run of a matrix: which matrix, cell and repetition "
            "(join on namespace and benchmark to label any kobench_run_* series with its cell).",
            labels=[*base, "matrix", "cell", "repetition"],
        )
        self.writes = GaugeMetricFamily(
            "kobench_run_writes", "Writes sent in the last run.", labels=base
        )
        self.rate = GaugeMetricFamily(
            "kobench_run_achieved_rate_writes_per_second",
            "Achieved writes per second per writer in the last run.",
            labels=base,
        )
        self.duration = GaugeMetricFamily(
            "kobench_run_duration_seconds", "Wall time of the last run's roles.", labels=base
        )
        self.delivery = GaugeMetricFamily(
            "kobench_run_delivery_info",
            "1 for the delivery mechanism of the last run, its guarantee and command.",
            labels=[*base, "mechanism", "guarantee", "command"],
        )

    def _observer_families(self, obs: list[str]) -> None:
        self.missed = GaugeMetricFamily(
            "kobench_run_missed_events", "Events an observer missed in the last run.", labels=obs
        )
        self.dups = GaugeMetricFamily(
            "kobench_run_duplicate_events", "Duplicate events in the last run.", labels=obs
        )
        self.redelivered = GaugeMetricFamily(
            "kobench_run_redelivered_events",
            "At least once: entries delivered again in the last run (not missed).",
            labels=obs,
        )
        self.coalesced = GaugeMetricFamily(
            "kobench_run_coalesced_writes",
            "Coalescing: writes covered by another write's invalidation in the last run.",
            labels=obs,
        )
        self.quantiles = {
            q: GaugeMetricFamily(
                f"kobench_run_event_latency_{q}_seconds",
                f"{q} write-to-event latency of the last run (clock-corrected when estimated).",
                labels=obs,
            )
            for q in ("p50", "p99", "p999", "max")
        }
        self.rtt = GaugeMetricFamily(
            "kobench_run_handshake_rtt_p99_seconds", "p99 handshake round trip.", labels=obs
        )
        self.latency = HistogramMetricFamily(
            "kobench_event_latency_seconds",
            "Raw write-to-event latency of the last run.",
            labels=obs,
        )
        self.rtt_hist = HistogramMetricFamily(
            "kobench_handshake_rtt_seconds", "Handshake round trip of the last run.", labels=obs
        )

    def _fault_families(self, fault: list[str]) -> None:
        self.fault_outage = GaugeMetricFamily(
            "kobench_fault_outage_seconds",
            "Longest outage a fault of the last run caused an observer (-1: it never ended).",
            labels=fault,
        )
        self.fault_lost = GaugeMetricFamily(
            "kobench_fault_lost_events",
            "Most events one observer instance lost to a fault of the last run.",
            labels=fault,
        )
        self.fault_resync = GaugeMetricFamily(
            "kobench_fault_resync_seconds",
            "From a replica fault's end to replication up again, in the last run.",
            labels=fault,
        )

    def add(self, namespace: str, name: str, record: RunRecord) -> None:
        labels = [namespace, name]
        if record.cell is not None:
            tag = record.cell
            self.cell.add_metric([*labels, tag.matrix, tag.cell, str(tag.repetition)], 1.0)
        for v in VERDICTS:
            self.verdict.add_metric([*labels, v], 1.0 if record.verdict == v else 0.0)
        result = record.result
        if result is None:
            return
        self.writes.add_metric(labels, float(result.writers.sent))
        self.rate.add_metric(labels, result.writers.achieved_rate)
        self.duration.add_metric(labels, max(0, result.finished_ns - result.started_ns) / 1e9)
        delivery = result.delivery
        self.delivery.add_metric(
            [*labels, delivery.mechanism, delivery.guarantee, delivery.command], 1.0
        )
        for f in result.faults:
            if f.applied_at_seconds is None:
                continue
            fl = [*labels, str(f.index), f.action, f.target]
            outage = f.worst_outage_ms
            self.fault_outage.add_metric(fl, -1.0 if outage is None else outage / 1000.0)
            self.fault_lost.add_metric(fl, float(f.lost))
            if f.resync_ms is not None:
                self.fault_resync.add_metric(fl, f.resync_ms / 1000.0)
        for o in result.observers:
            ol = [*labels, o.name, o.mechanism]
            self.missed.add_metric(ol, float(o.missed))
            self.dups.add_metric(ol, float(o.duplicates))
            self.redelivered.add_metric(ol, float(o.redelivered))
            self.coalesced.add_metric(ol, float(o.coalesced))
            summary = o.corrected_latency_ms or o.latency_ms
            if summary is not None:
                for q, family in self.quantiles.items():
                    family.add_metric(ol, getattr(summary, q) / 1000.0)
            if o.handshake_rtt_ms is not None:
                self.rtt.add_metric(ol, o.handshake_rtt_ms.p99 / 1000.0)
            for histogram, encoded in (
                (self.latency, o.latency_histogram),
                (self.rtt_hist, o.rtt_histogram),
            ):
                buckets = _buckets(encoded)
                if buckets is not None:
                    histogram.add_metric(ol, buckets[0], buckets[1])

    def all(self) -> Sequence[Metric]:
        return [
            self.cell,
            self.verdict,
            self.writes,
            self.rate,
            self.duration,
            self.delivery,
            self.missed,
            self.dups,
            self.redelivered,
            self.coalesced,
            *self.quantiles.values(),
            self.rtt,
            self.latency,
            self.rtt_hist,
            self.fault_outage,
            self.fault_lost,
            self.fault_resync,
        ]
