"""The observers, criteria and the whole resource: what a benchmark file holds."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from kobench.api.baseline_spec import Baseline
from kobench.api.basics import (
    DNS_LABEL,
    MAX_MS,
    MAX_OBSERVERS,
    MAX_REPLICAS,
    MAX_STAGE_SECONDS,
    MAX_WRITES,
    PLUGIN_NAME,
    Model,
)
from kobench.api.cron import CRON_PATTERN, parse_cron
from kobench.api.delivery_spec import Delivery
from kobench.api.engine_spec import Engine
from kobench.api.fault_spec import MAX_FAULTS, Fault, FaultThresholds
from kobench.api.matrix_spec import Matrix
from kobench.api.metadata import Metadata
from kobench.api.target_spec import Target
from kobench.api.workload_spec import Workload


class Observer(Model):
    """One kind of observer; ``replicas`` identical instances of it run."""

    name: Annotated[
        str, Field(description="Observer name (a DNS label).", pattern=DNS_LABEL, max_length=40)
    ]
    mode: Annotated[
        str,
        Field(
            description="Observer plugin: sync (blocking redis-py pub/sub) or async "
            "(redis.asyncio), or any installed kobench.observers plugin.",
            pattern=PLUGIN_NAME,
        ),
    ]
    replicas: Annotated[int, Field(description="Instances of this observer.", ge=1, le=16)] = 1
    target_replica: Annotated[
        int, Field(description="Engine replica it subscribes to.", ge=0, le=MAX_REPLICAS - 1)
    ] = 0
    handshake: Annotated[
        bool, Field(description="Answer events with handshake writes (see handshakeEvery).")
    ] = True
    handshake_every: Annotated[
        int,
        Field(
            description="Answer one event in N: the writes whose sequence number is a multiple "
            "of N. The round trip and the clock offset come from these samples; 1 answers every "
            "event. Above a few thousand events/s, each answer is one more write and one more "
            "notification to every subscriber.",
            ge=1,
            le=1_000_000,
        ),
    ] = 1


def _default_observers() -> list[Observer]:
    return [Observer(name="sync", mode="sync"), Observer(name="async", mode="async")]


class Thresholds(Model):
    """Pass/fail criteria; an unset threshold is not checked."""

    p50_latency_ms: Annotated[
        float | None, Field(description="Max p50 event latency.", gt=0, le=MAX_MS)
    ] = None
    p99_latency_ms: Annotated[
        float | None, Field(description="Max p99 event latency.", gt=0, le=MAX_MS)
    ] = None
    max_latency_ms: Annotated[
        float | None, Field(description="Max event latency.", gt=0, le=MAX_MS)
    ] = None
    handshake_rtt_p99_ms: Annotated[
        float | None, Field(description="Max p99 handshake round trip.", gt=0, le=MAX_MS)
    ] = None
    max_missed: Annotated[
        int, Field(description="Missed events allowed per observer instance.", ge=0, le=MAX_WRITES)
    ] = 0
    max_duplicates: Annotated[
        int,
        Field(description="Duplicate events allowed per observer instance.", ge=0, le=MAX_WRITES),
    ] = 0
    max_disconnects: Annotated[
        int,
        Field(description="Connection losses allowed per observer instance.", ge=0, le=MAX_WRITES),
    ] = 0
    allow_saturation: Annotated[
        bool,
        Field(
            description="Let a run pass although an observer could not keep up (its latency "
            "then measures a queue; the finding is still reported)."
        ),
    ] = False
    faults: Annotated[
        FaultThresholds,
        Field(
            description="Damage allowed per fault of spec.faults (events lost and connections "
            "dropped around a fault are judged here, not by maxMissed and maxDisconnects)."
        ),
    ] = FaultThresholds()


class Validity(Model):
    """When a run's numbers cannot be trusted; such a run is Invalid, not Passed."""

    max_clock_offset_ms: Annotated[
        float,
        Field(
            description="Largest estimated writer/observer clock offset allowed.",
            gt=0,
            le=MAX_MS,
        ),
    ] = 5.0
    require_convergence: Annotated[
        bool, Field(description="Every replica must hold the same final data after the run.")
    ] = True
    max_rate_shortfall_percent: Annotated[
        float,
        Field(
            description="Largest shortfall of the achieved write rate below the target.",
            ge=0,
            le=100,
        ),
    ] = 10.0


class Timeouts(Model):
    """Upper bounds for each stage, in seconds."""

    engine_ready_seconds: Annotated[
        int, Field(description="Engine up and replicated.", ge=1, le=MAX_STAGE_SECONDS)
    ] = 300
    subscribe_seconds: Annotated[
        int, Field(description="Observers subscribed.", ge=1, le=MAX_STAGE_SECONDS)
    ] = 120
    drain_seconds: Annotated[
        int, Field(description="Wait for last events after the writer ends.", ge=1, le=3600)
    ] = 10
    run_seconds: Annotated[
        int | None,
        Field(
            description="Whole run; default is warm-up + duration + 5 minutes.",
            ge=1,
            le=MAX_STAGE_SECONDS,
        ),
    ] = None


class BenchmarkSpec(Model):
    """The spec of a KeyDBObserverBenchmark."""

    run_nonce: Annotated[str, Field(description="Change it to start a new run.", max_length=63)] = (
        ""
    )
    engine: Annotated[Engine, Field(description="Engine under test.")] = Engine()
    target: Annotated[
        Target | None,
        Field(description="Measure an engine already running instead of deploying one."),
    ] = None
    workload: Annotated[Workload, Field(description="What the writers do.")] = Workload()
    delivery: Annotated[
        Delivery,
        Field(
            description="How a change reaches the observers (their mode says how they read "
            "it): keyevent by default."
        ),
    ] = Delivery()
    observers: Annotated[
        list[Observer],
        Field(description="Observers to run.", min_length=1, max_length=MAX_OBSERVERS),
    ] = Field(default_factory=_default_observers)
    faults: Annotated[
        list[Fault],
        Field(
            description="Faults applied during the measured writes, each at its time.",
            max_length=MAX_FAULTS,
        ),
    ] = []
    thresholds: Annotated[Thresholds, Field(description="Pass/fail criteria.")] = Thresholds()
    validity: Annotated[Validity, Field(description="When a run is Invalid.")] = Validity()
    timeouts: Annotated[Timeouts, Field(description="Stage timeouts.")] = Timeouts()
    cleanup: Annotated[
        Literal["Keep", "DeleteOnSuccess", "Always"],
        Field(description="What to do with the run's pods afterwards."),
    ] = "DeleteOnSuccess"
    matrix: Annotated[
        Matrix | None,
        Field(
            description="Run a cell per combination of the axes' values, each repetitions "
            "times, and compare the cells (in a cluster: each run a child benchmark)."
        ),
    ] = None
    baseline: Annotated[
        Baseline | None,
        Field(
            description="An earlier run's result to hold this run to: it Fails when a figure "
            "regressed beyond the allowance."
        ),
    ] = None

    schedule: Annotated[
        str | None,
        Field(
            description="In a cluster: also start a run at each time this cron expression "
            "(minute hour day-of-month month day-of-week, UTC; or @hourly, @daily...) falls due. "
            "A time that falls due while a run is still going is skipped (status.schedule counts "
            "it); the last runs stay in status.history.",
            pattern=CRON_PATTERN,
            max_length=256,
        ),
    ] = None
    suspend: Annotated[
        bool,
        Field(
            description="Pause spec.schedule: no scheduled run starts until it is false again "
            "(a run in progress goes on; a new runNonce still starts one)."
        ),
    ] = False

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            parse_cron(value)  # what the pattern cannot see: a backwards range, 30 February
        return value

    @property
    def run_seconds(self) -> float:
        """Upper bound for the whole run: warm-up, writes and drain, plus slack."""
        if self.timeouts.run_seconds is not None:
            return float(self.timeouts.run_seconds)
        writing = self.workload.total_writes / self.workload.rate
        return writing + self.timeouts.drain_seconds + 300.0


class Envelope(Model):
    """A resource without its spec: what it is and its metadata."""

    api_version: Literal["kobench.io/v1alpha1"]
    kind: Literal["KeyDBObserverBenchmark"]
    metadata: Metadata
    status: Annotated[Any, Field(exclude=True)] = None
    """Written by the operator (a file saved with ``kubectl get -o yaml`` has it); ignored, as
    ``kubectl apply`` ignores it."""


class Benchmark(Envelope):
    """A whole resource, as written in a YAML file."""

    spec: BenchmarkSpec = BenchmarkSpec()
