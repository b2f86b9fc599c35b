"""The typed model of a ``KeyDBObserverBenchmark``: spec, defaults and validation.

This module is the single source of truth. The CRD schema, the Helm chart's CRD and the local
runner's validation all derive from these classes. Field names are camelCase on the wire (as in
every Kubernetes resource) and snake_case in Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from kobench.errors import SpecError, SpecErrors

GROUP = "kobench.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "KeyDBObserverBenchmark"
PLURAL = "keydbobserverbenchmarks"
SINGULAR = "keydbobserverbenchmark"
SHORT_NAME = "kob"
CATEGORY = "kobench"

# A DNS-1123 label: observer names end up in pod names.
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
PLUGIN_NAME = r"^[a-z][a-z0-9_-]{0,31}$"
KEY_NAME = r"^[A-Za-z0-9_:.{}-]{1,128}$"
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"

MAX_REPLICAS = 7
MAX_OBSERVERS = 8
DEFAULT_DURATION_SECONDS = 10.0


class Model(BaseModel):
    """Base of every spec class: camelCase aliases, unknown fields rejected, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        strict=False,
    )


class SecretKeyRef(Model):
    """A key in a Secret in the benchmark's namespace."""

    name: Annotated[str, Field(description="Name of the Secret.", pattern=DNS_LABEL, max_length=63)]
    key: Annotated[
        str, Field(description="Key inside the Secret that holds the password.", min_length=1)
    ] = "password"


class ResourceQuantities(Model):
    """CPU and memory as Kubernetes quantities (``500m``, ``256Mi``)."""

    cpu: Annotated[str | None, Field(description="CPU quantity.", pattern=QUANTITY)] = None
    memory: Annotated[str | None, Field(description="Memory quantity.", pattern=QUANTITY)] = None


class Resources(Model):
    """Requests and limits for a container."""

    requests: Annotated[ResourceQuantities, Field(description="Requested resources.")] = (
        ResourceQuantities()
    )
    limits: Annotated[ResourceQuantities, Field(description="Resource limits.")] = (
        ResourceQuantities()
    )


class Toleration(Model):
    """A pod toleration, as in the core API."""

    key: Annotated[str | None, Field(description="Taint key.")] = None
    operator: Annotated[Literal["Exists", "Equal"] | None, Field(description="How to match.")] = (
        None
    )
    value: Annotated[str | None, Field(description="Taint value (with Equal).")] = None
    effect: Annotated[
        Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None,
        Field(description="Taint effect to tolerate."),
    ] = None


class Placement(Model):
    """Where the engine's pods may run."""

    node_selector: Annotated[
        dict[str, str], Field(description="Node labels the engine pods require.")
    ] = {}
    tolerations: Annotated[list[Toleration], Field(description="Tolerations.", max_length=16)] = []
    anti_affinity: Annotated[
        Literal["preferred", "required", "none"],
        Field(description="Spread engine replicas across nodes: preferred, required or none."),
    ] = "preferred"


class Engine(Model):
    """The engine under test."""

    type: Annotated[
        str,
        Field(
            description="Engine plugin: keydb (active-replica multi-master), redis or valkey "
            "(one primary, read-only replicas), or any installed kobench.engines plugin.",
            pattern=PLUGIN_NAME,
        ),
    ] = "keydb"
    image: Annotated[
        str | None,
        Field(description="Container image; empty means the engine's default image.", min_length=1),
    ] = None
    replicas: Annotated[
        int, Field(description="Number of engine servers.", ge=1, le=MAX_REPLICAS)
    ] = 3
    server_threads: Annotated[
        int,
        Field(
            description="Server threads (KeyDB server-threads, Redis/Valkey io-threads). More "
            "than 1 only helps with spare cores: Redis I/O threads busy-wait.",
            ge=1,
            le=16,
        ),
    ] = 1
    notify_keyspace_events: Annotated[
        str,
        Field(
            description="notify-keyspace-events flags, set on every replica; must include E "
            "(keyevent channel) and $ or A (string commands).",
            pattern=r"^[KEg$lshzxetmdnA]+$",
        ),
    ] = "E$"
    database: Annotated[int, Field(description="Database index used for keys.", ge=0, le=15)] = 0
    port: Annotated[int, Field(description="Server port inside the pod.", ge=1, le=65535)] = 6379
    auth_secret_ref: Annotated[
        SecretKeyRef | None,
        Field(description="Secret holding the engine password; generated when absent."),
    ] = None
    resources: Annotated[Resources, Field(description="Engine container resources.")] = Resources()
    placement: Annotated[Placement, Field(description="Engine pod placement.")] = Placement()


class Workload(Model):
    """What the writers do."""

    key_mode: Annotated[
        Literal["shared", "unique"],
        Field(
            description="shared: one key for every write, read by observers on each event (the "
            "proof of concept). unique: one key per write, so no read is needed (high rates)."
        ),
    ] = "shared"
    rate: Annotated[
        int, Field(description="Writes per second, per writer (open loop).", ge=1, le=200_000)
    ] = 1000
    duration_seconds: Annotated[
        float | None,
        Field(
            description="Measured run length in seconds (default 10); exclusive with writes.",
            gt=0,
            le=86_400,
        ),
    ] = None
    writes: Annotated[
        int | None,
        Field(
            description="Number of measured writes per writer; exclusive with durationSeconds.",
            ge=1,
        ),
    ] = None
    warmup_seconds: Annotated[
        float, Field(description="Writes sent first and not measured.", ge=0, le=3600)
    ] = 1.0
    value_size: Annotated[
        int, Field(description="Bytes per written value (padded).", ge=64, le=1_048_576)
    ] = 64
    writers: Annotated[int, Field(description="Number of writer processes.", ge=1, le=16)] = 1
    target_replica: Annotated[
        int, Field(description="Engine replica the writers write to.", ge=0, le=MAX_REPLICAS - 1)
    ] = 0
    round_robin: Annotated[
        bool,
        Field(description="Spread writers over every master (multi-master engines only)."),
    ] = False
    shared_key: Annotated[
        str, Field(description="Key written in shared mode.", pattern=KEY_NAME)
    ] = "shared_key"
    handshake_key: Annotated[
        str,
        Field(description="Prefix of the handshake keys observers answer on.", pattern=KEY_NAME),
    ] = "handshake_key"
    key_prefix: Annotated[
        str, Field(description="Prefix of the per-write keys in unique mode.", pattern=KEY_NAME)
    ] = "kobench"
    key_ttl_seconds: Annotated[
        int, Field(description="Expiry of unique and handshake keys.", ge=10, le=86_400)
    ] = 600

    @property
    def measured_writes(self) -> int:
        """Measured writes per writer."""
        if self.writes is not None:
            return self.writes
        duration = (
            DEFAULT_DURATION_SECONDS if self.duration_seconds is None else self.duration_seconds
        )
        return max(1, round(duration * self.rate))

    @property
    def warmup_writes(self) -> int:
        """Unmeasured writes per writer sent before the measured ones."""
        return round(self.warmup_seconds * self.rate)

    @property
    def total_writes(self) -> int:
        return self.warmup_writes + self.measured_writes


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
    handshake: Annotated[bool, Field(description="Answer every event with a handshake write.")] = (
        True
    )


def _default_observers() -> list[Observer]:
    return [Observer(name="sync", mode="sync"), Observer(name="async", mode="async")]


class Thresholds(Model):
    """Pass/fail criteria; an unset threshold is not checked."""

    p50_latency_ms: Annotated[float | None, Field(description="Max p50 event latency.", gt=0)] = (
        None
    )
    p99_latency_ms: Annotated[float | None, Field(description="Max p99 event latency.", gt=0)] = (
        None
    )
    max_latency_ms: Annotated[float | None, Field(description="Max event latency.", gt=0)] = None
    handshake_rtt_p99_ms: Annotated[
        float | None, Field(description="Max p99 handshake round trip.", gt=0)
    ] = None
    max_missed: Annotated[
        int, Field(description="Missed events allowed per observer instance.", ge=0)
    ] = 0
    max_duplicates: Annotated[
        int, Field(description="Duplicate events allowed per observer instance.", ge=0)
    ] = 0
    max_disconnects: Annotated[
        int, Field(description="Connection losses allowed per observer instance.", ge=0)
    ] = 0


class Validity(Model):
    """When a run's numbers cannot be trusted; such a run is Invalid, not Passed."""

    max_clock_offset_ms: Annotated[
        float,
        Field(description="Largest estimated writer/observer clock offset allowed.", gt=0),
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

    engine_ready_seconds: Annotated[int, Field(description="Engine up and replicated.", ge=1)] = 300
    subscribe_seconds: Annotated[int, Field(description="Observers subscribed.", ge=1)] = 120
    drain_seconds: Annotated[
        int, Field(description="Wait for last events after the writer ends.", ge=1)
    ] = 10
    run_seconds: Annotated[
        int | None,
        Field(description="Whole run; default is warm-up + duration + 5 minutes.", ge=1),
    ] = None


class BenchmarkSpec(Model):
    """The spec of a KeyDBObserverBenchmark."""

    run_nonce: Annotated[str, Field(description="Change it to start a new run.", max_length=63)] = (
        ""
    )
    engine: Annotated[Engine, Field(description="Engine under test.")] = Engine()
    workload: Annotated[Workload, Field(description="What the writers do.")] = Workload()
    observers: Annotated[
        list[Observer],
        Field(description="Observers to run.", min_length=1, max_length=MAX_OBSERVERS),
    ] = Field(default_factory=_default_observers)
    thresholds: Annotated[Thresholds, Field(description="Pass/fail criteria.")] = Thresholds()
    validity: Annotated[Validity, Field(description="When a run is Invalid.")] = Validity()
    timeouts: Annotated[Timeouts, Field(description="Stage timeouts.")] = Timeouts()
    cleanup: Annotated[
        Literal["Keep", "DeleteOnSuccess", "Always"],
        Field(description="What to do with the run's pods afterwards."),
    ] = "DeleteOnSuccess"

    @property
    def run_seconds(self) -> float:
        """Upper bound for the whole run: warm-up, writes and drain, plus slack."""
        if self.timeouts.run_seconds is not None:
            return float(self.timeouts.run_seconds)
        writing = self.workload.total_writes / self.workload.rate
        return writing + self.timeouts.drain_seconds + 300.0


class Metadata(Model):
    """The part of metadata kobench reads."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", max_length=63)]
    namespace: str | None = None


class Benchmark(Model):
    """A whole resource, as written in a YAML file."""

    api_version: Literal["kobench.io/v1alpha1"]
    kind: Literal["KeyDBObserverBenchmark"]
    metadata: Metadata
    spec: BenchmarkSpec = BenchmarkSpec()


def cross_field_errors(spec: BenchmarkSpec) -> list[SpecError]:
    """Rules that span fields; the CRD states the same rules in CEL."""
    errors: list[SpecError] = []
    replicas = spec.engine.replicas
    flags = spec.engine.notify_keyspace_events
    if "E" not in flags:
        errors.append(
            SpecError(
                "spec.engine.notifyKeyspaceEvents",
                "must include E: observers listen on __keyevent@<db>__:set",
            )
        )
    if "$" not in flags and "A" not in flags:
        errors.append(
            SpecError(
                "spec.engine.notifyKeyspaceEvents", "must include $ or A: SET is a string command"
            )
        )
    workload = spec.workload
    if workload.duration_seconds is not None and workload.writes is not None:
        errors.append(SpecError("spec.workload", "set either durationSeconds or writes, not both"))
    if workload.target_replica >= replicas:
        errors.append(
            SpecError(
                "spec.workload.targetReplica",
                f"{workload.target_replica} must be below engine.replicas ({replicas})",
            )
        )
    seen: set[str] = set()
    for index, observer in enumerate(spec.observers):
        if observer.target_replica >= replicas:
            errors.append(
                SpecError(
                    f"spec.observers[{index}].targetReplica",
                    f"{observer.target_replica} must be below engine.replicas ({replicas})",
                )
            )
        if observer.name in seen:
            errors.append(
                SpecError(
                    f"spec.observers[{index}].name",
                    f"{observer.name!r} is used by another observer",
                )
            )
        seen.add(observer.name)
    return errors


def _field_path(prefix: str, loc: tuple[int | str, ...]) -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def errors_from_validation(exc: ValidationError, *, prefix: str = "") -> SpecErrors:
    """Turn pydantic's errors into SpecErrors whose field is the camelCase path the user wrote."""
    errors: list[SpecError] = []
    for error in exc.errors(include_url=False):
        field = _field_path(prefix, tuple(error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        errors.append(SpecError(field, message))
    return SpecErrors(errors)


def _checked(spec: BenchmarkSpec) -> BenchmarkSpec:
    errors = cross_field_errors(spec)
    if errors:
        raise SpecErrors(errors)
    return spec


def parse_spec(data: dict[str, Any] | None) -> BenchmarkSpec:
    """Validate a resource's ``spec`` mapping (as the operator receives it)."""
    try:
        spec = BenchmarkSpec.model_validate(data or {})
    except ValidationError as exc:
        raise errors_from_validation(exc, prefix="spec") from None
    return _checked(spec)


def parse_benchmark(data: Any) -> Benchmark:
    """Validate a whole resource document."""
    if not isinstance(data, dict):
        raise SpecError("", "a benchmark file must hold one YAML mapping (a Kubernetes resource)")
    try:
        benchmark = Benchmark.model_validate(data)
    except ValidationError as exc:
        raise errors_from_validation(exc) from None
    _checked(benchmark.spec)
    return benchmark


def load_benchmark(path: str | Path) -> Benchmark:
    """Read and validate a benchmark file: its first KeyDBObserverBenchmark document."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise SpecError("", f"{path} is not valid YAML: {exc}") from None
    if not documents:
        raise SpecError("", f"{path} is empty")
    for document in documents:
        if isinstance(document, dict) and document.get("kind") == KIND:
            return parse_benchmark(document)
    return parse_benchmark(documents[0])
