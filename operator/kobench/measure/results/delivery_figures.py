"""The figures a delivery guarantee adds to an observer's summary, and the run's delivery facts.

A stream group shared by several consumers is one observer: each entry reaches one consumer, so
the group received what it acknowledged. Its missed entries are those the group never
acknowledged when its last consumer ended (``groupAudit``: pending plus never delivered); what
a consumer that left no document (killed) had acknowledged is then counted too, as it should be.
"""

from __future__ import annotations

from typing import TypedDict

from kobench.api import BenchmarkSpec
from kobench.measure.histograms import (
    LatencySummary,
    decode_histogram,
    merge_histograms,
    new_histogram,
    summarize,
)
from kobench.measure.results.counting import Counts
from kobench.measure.results.delivery_docs import DeliveryFacts, ExpiryFacts, delivery_facts
from kobench.measure.results.documents import ObserverResult


def shares_work(documents: list[ObserverResult], replicas: int) -> bool:
    """Whether the observer's instances were consumers of one stream group."""
    return replicas > 1 and any(d.guarantee == "at-least-once" for d in documents)


def group_counts(
    instances: list[Counts], documents: list[ObserverResult]
) -> tuple[Counts, int | None]:
    """The group's counts from its consumers' (each counted what it received of every write)
    and the entries it left unacknowledged (None: no consumer could tell)."""
    expected = max((c.expected for c in instances), default=0)
    received = sum(c.received for c in instances)
    audited = [d for d in documents if d.group_audit is not None]
    unacknowledged: int | None = None
    if audited:
        last = max(audited, key=lambda d: d.ended_ns).group_audit
        assert last is not None
        unacknowledged = last.pending + (last.undelivered or 0)
        missed = min(expected, unacknowledged)
    else:
        missed = max(0, expected - received)
    counts = Counts(
        received=expected - missed,
        expected=expected,
        missed=missed,
        duplicates=sum(c.duplicates for c in instances),
        out_of_order=sum(c.out_of_order for c in instances),
        superseded=sum(c.superseded for c in instances),
    )
    return counts, unacknowledged


class GuaranteeFigures(TypedDict):
    mechanism: str
    guarantee: str
    redelivered: int
    redelivery_latency_ms: LatencySummary | None
    coalesced: int
    coalesced_invalidations: int
    caught_up: int


def guarantee_figures(documents: list[ObserverResult]) -> GuaranteeFigures:
    """Redeliveries, coalescing and caught-up writes over the instances."""
    redelivery = merge_histograms(
        new_histogram(),
        [decode_histogram(h) for d in documents for h in d.redelivery_latency.values()],
    )
    return {
        "mechanism": documents[0].mechanism if documents else "keyevent",
        "guarantee": documents[0].guarantee if documents else "at-most-once",
        "redelivered": sum(d.redelivered for d in documents),
        "redelivery_latency_ms": summarize(redelivery),
        "coalesced": sum(d.coalesced for d in documents),
        "coalesced_invalidations": sum(d.coalesced_invalidations for d in documents),
        "caught_up": sum(o.caught_up for d in documents for o in d.outages),
    }


def run_delivery(
    spec: BenchmarkSpec, observers: list[ObserverResult], hz: int | None = None
) -> DeliveryFacts:
    """What the result says about the delivery (the documents know the mechanism's variant and
    guarantee; a run that has none says what the spec asked for)."""
    workload = spec.workload
    expiry = None
    if workload.command == "expire":
        expiry = ExpiryFacts(
            after_ms=workload.expiry.after_ms, read_at_due=workload.expiry.read_at_due, hz=hz
        )
    first = observers[0] if observers else None
    mechanism = first.mechanism if first else spec.delivery.label
    guarantee = first.guarantee if first else ""
    return delivery_facts(mechanism, guarantee, workload.command, expiry)
