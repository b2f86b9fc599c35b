"""The observer role: one instance of an observer plugin against its target replica."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import redis

from kobench.errors import SpecError
from kobench.measure.results import ObserverResult
from kobench.measure.results.calibration_docs import ClientKind
from kobench.plugins.engines import get_engine
from kobench.plugins.mechanisms import effective, guarantee_of
from kobench.plugins.observers import (
    EventBook,
    ObserverContext,
    ObserverStrategy,
    Target,
    get_observer,
)
from kobench.roles.ping import BUDGET_SECONDS, calibrate
from kobench.roles.role_config import RoleConfig


def observer_context(
    config: RoleConfig, name: str, instance: int, password: str | None
) -> ObserverContext:
    spec = config.spec
    index = next((i for i, o in enumerate(spec.observers) if o.name == name), None)
    if index is None:
        names = ", ".join(o.name for o in spec.observers)
        raise SpecError("spec.observers", f"no observer named {name!r} (have: {names})")
    observer = spec.observers[index]
    engine = get_engine(spec.engine.type)
    listen = config.endpoints[observer.target_replica]
    answer = config.endpoints[engine.handshake_replica(observer.target_replica)]
    database = spec.engine.database
    # An expiry comes long after its write: there is no round trip to answer.
    answers = observer.handshake and spec.workload.command != "expire"
    return ObserverContext(
        run_id=config.run_id,
        spec=spec,
        name=name,
        instance=instance,
        mode=observer.mode,
        listen=Target(listen.host, listen.port, password, database),
        answer=Target(answer.host, answer.port, password, database),
        handshake=answers,
        handshake_every=observer.handshake_every,
        mechanism=effective(spec.delivery).label,
        guarantee=guarantee_of(spec.delivery),
        deadline=time.monotonic() + config.subscribe_timeout_seconds + spec.run_seconds,
    )


def run_observer(
    config: RoleConfig,
    name: str,
    instance: int,
    password: str | None,
    *,
    ready_file: Path | None = None,
) -> ObserverResult:
    context = observer_context(config, name, instance, password)
    strategy = get_observer(context.mode)
    book = EventBook(context)
    # The local runner, or Kubernetes deleting the pod, asks with SIGTERM: answer with the
    # document so far rather than nothing.
    signal.signal(signal.SIGTERM, lambda signum, frame: book.stop("stopped by SIGTERM"))

    def ready() -> None:
        if ready_file is not None:
            ready_file.parent.mkdir(parents=True, exist_ok=True)
            ready_file.write_text(context.instance_id, encoding="utf-8")

    # Before subscribing, so the round trip is measured on an idle engine and the run's
    # events never wait behind it; at most a quarter of the subscribe stage's time.
    calibration = calibrate(
        context.listen,
        replica=context.target_replica,
        client=calibration_client(strategy),
        budget_seconds=min(BUDGET_SECONDS, context.spec.timeouts.subscribe_seconds / 4),
    )
    try:
        strategy.observe(context, book, ready)
    except (redis.RedisError, OSError, TimeoutError) as exc:
        book.error = f"could not observe {context.listen}: {exc}"
    return book.result().model_copy(update={"calibration": calibration})


def calibration_client(strategy: ObserverStrategy) -> ClientKind:
    """The kind of client a strategy reads and answers with (``calibration_client``, optional
    for a plugin: blocking redis-py when it does not say)."""
    kind = getattr(strategy, "calibration_client", "sync")
    return "async" if kind == "async" else "sync"
