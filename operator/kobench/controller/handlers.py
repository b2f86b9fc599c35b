"""kopf wiring only: every cause wakes one per-resource loop that runs the executor's passes.

Handlers are thin on purpose. A daemon per benchmark runs the reconcile loop (so passes over one
resource never overlap); create, update and resume only wake it. kopf keeps its bookkeeping in
``status.kopf`` (progress and the last handled configuration), never in annotations, so GitOps
tools see no drift and a replaced resource does not look new.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

import kopf
from kubernetes_asyncio import client

from kobench.api import GROUP, PLURAL, VERSION
from kobench.run.pods.kube import Kube, load_config
from kobench.run.pods.pod_executor import reconcile
from kobench.run.pods.runtime import Runtime

registry = kopf.OperatorRegistry()
log = logging.getLogger("kobench.controller")
RESOURCE = (GROUP, VERSION, PLURAL)
API_CONNECTIONS = 8


class Memo(kopf.Memo):
    """What the handlers share (kopf hands it to every handler as ``memo``)."""

    runtime: Runtime
    wakeups: dict[str, asyncio.Event]


def _wakeup(memo: Any, uid: str) -> asyncio.Event:
    wakeups: dict[str, asyncio.Event] = memo.wakeups
    return wakeups.setdefault(uid, asyncio.Event())


def _post_event(body: dict[str, Any], type_: str, reason: str, message: str) -> None:
    kopf.event(cast(Any, body), type=type_, reason=reason, message=message[:1024])


@kopf.on.login(registry=registry)
async def login(**kwargs: Any) -> Any:
    """The same credentials as kubernetes_asyncio: in-cluster, else the kubeconfig."""
    return await kopf.login_via_async_client(**kwargs)


@kopf.on.startup(registry=registry)
async def configure(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    settings.persistence.progress_storage = kopf.StatusProgressStorage(field="status.kopf.progress")
    settings.persistence.diffbase_storage = kopf.StatusDiffBaseStorage(
        field="status.kopf.last-handled-configuration"
    )
    settings.persistence.finalizer = f"{GROUP}/operator"
    # The resource is named in full and namespaces are given exactly: no need to list
    # namespaces or discover CRDs, so the operator's RBAC stays minimal.
    settings.scanning.disabled = True
    settings.posting.level = logging.WARNING
    settings.watching.server_timeout = 120
    settings.watching.client_timeout = 150
    await load_config()
    runtime: Runtime = memo.runtime
    if runtime.client is None:
        # A few connections suffice for one pass at a time per benchmark; the default pool (100)
        # kept a TLS buffer per connection after a burst of benchmarks (115 MB at 50).
        configuration = client.Configuration.get_default_copy()
        configuration.connection_pool_maxsize = API_CONNECTIONS
        runtime.client = Kube(client.ApiClient(configuration))
    runtime.post_event = _post_event
    runtime.wake = lambda uid: _wakeup(memo, uid).set()


@kopf.on.cleanup(registry=registry)
async def close(memo: Any, **_: Any) -> None:
    runtime: Runtime = memo.runtime
    if runtime.client is not None:
        await runtime.client.api.close()


@kopf.on.create(*RESOURCE, registry=registry)
@kopf.on.update(*RESOURCE, field="spec", registry=registry)
@kopf.on.resume(*RESOURCE, registry=registry)
async def changed(uid: str, memo: Any, **_: Any) -> None:
    """Any change of the spec (or a restart): run a pass now."""
    _wakeup(memo, uid).set()


async def _pause(wakeup: asyncio.Event, stopped: Any, delay: float) -> None:
    """Sleep ``delay`` seconds, or less when woken up or told to stop."""

    async def until_stopped() -> None:
        await stopped.wait()

    waiters = [asyncio.ensure_future(wakeup.wait()), asyncio.ensure_future(until_stopped())]
    try:
        await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


@kopf.daemon(*RESOURCE, registry=registry, cancellation_timeout=10)
async def follow(
    namespace: Any, name: str, uid: str, stopped: Any, memo: Any, logger: Any, **_: Any
) -> None:
    """The reconcile loop of one benchmark, for as long as it exists."""
    runtime: Runtime = memo.runtime
    wakeup = _wakeup(memo, uid)
    last_error = ""
    while not stopped:
        wakeup.clear()
        try:
            delay = await reconcile(runtime, namespace, name)
            last_error = ""
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad pass must not end the loop; retry after a backoff
            delay = runtime.pause((namespace, name), trouble=True, idle=False)
            error = f"pass failed ({type(exc).__name__}: {exc})"
            # kopf's object logger also posts an Event: once per distinct error, not per pass.
            (logger.warning if error != last_error else log.warning)(
                f"{error}; next pass in {delay:.0f}s"
            )
            last_error = error
        await _pause(wakeup, stopped, delay)
    memo.wakeups.pop(uid, None)
    if stopped.reason is not None and kopf.DaemonStoppingReason.RESOURCE_DELETED in stopped.reason:
        # A deleted benchmark's metric series disappear with it.
        runtime.metrics.forget(namespace, name)
