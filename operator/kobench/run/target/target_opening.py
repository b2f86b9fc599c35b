"""The start of a run against a target: find what each endpoint is, then check that the ACL
user may do all the run will do and that the notification flags are there, before the run
writes anything (a missing permission is refused, naming it).

Every check is harmless: reads, a subscription, SCAN and UNLINK of a key that does not exist,
and last one SET of a probe key under the run's prefix (removed at once). The notification
flags are read with CONFIG GET where the user may, else proven by one probe event.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from functools import partial

import redis

from kobench.api import BenchmarkSpec
from kobench.api.engine_spec import Engine
from kobench.measure import protocol
from kobench.plugins import connections as clients
from kobench.roles.handshakes import glob_escape
from kobench.run.target import target_plan as plan
from kobench.run.target.target_plan import TargetRefused
from kobench.run.target.target_session import (
    NOTIFY,
    PROBE_SECONDS,
    TargetSession,
    read_password,
    restore_settings,
)


def _refuse_noperm(what: str, session: TargetSession, index: int) -> Callable[[Exception], None]:
    def refuse(exc: Exception) -> None:
        user = session.access.username or "default"
        undone = "nothing was written" if not session.restore else "what it had set is restored"
        raise TargetRefused(
            f"the ACL user {user!r} may not {what} on {session.endpoints[index]} ({exc}); "
            f"{undone}. See 'Measure your own deployment' for the minimal ACL"
        ) from None

    return refuse


def _checked(action: Callable[[], object], refuse: Callable[[Exception], None]) -> object:
    try:
        return action()
    except redis.exceptions.NoPermissionError as exc:
        refuse(exc)
    except redis.ResponseError as exc:
        if str(exc).startswith(("NOPERM", "no permission")):
            refuse(exc)
        raise
    return None


def _subscribe(client: redis.Redis, channel: str) -> redis.client.PubSub:
    pubsub = clients.pubsub(client)
    pubsub.subscribe(channel)
    deadline = time.monotonic() + PROBE_SECONDS
    while time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.1)
        if message is not None and message["type"] == "subscribe":
            return pubsub
    raise TargetRefused(f"no confirmation of SUBSCRIBE {channel} within {PROBE_SECONDS}s")


def open_target(
    spec: BenchmarkSpec,
    run_id: str,
    env: Mapping[str, str],
    *,
    access: clients.Access | None = None,
    password: str | None = None,
) -> TargetSession:
    """Connect, find each endpoint's role and the engine, and check the run may go; raise
    TargetRefused (having written nothing but a probe key under the run's prefix) if not.
    ``access`` and ``password``: a pod's (its mounted files, its Secret's variable); default:
    the spec's local files and ``env`` or the password file."""
    target = spec.target
    assert target is not None
    parsed = plan.parse_endpoints(target)
    access = access or plan.access_for(target, parsed)
    clients.use_access(access)
    if password is None:
        password = read_password(target.auth, env)
    endpoints = plan.endpoints_of(parsed)
    infos = []
    for index, endpoint in enumerate(endpoints):
        with clients.client(endpoint.host, endpoint.port, password) as client:
            try:
                infos.append(client.info())
            except redis.exceptions.NoPermissionError as exc:
                raise TargetRefused(
                    f"the ACL user may not run INFO on {endpoint} ({exc})"
                ) from None
            except (redis.RedisError, OSError) as exc:
                raise TargetRefused(f"spec.target.endpoints[{index}]: {endpoint}: {exc}") from None
    roles = [plan.replication_role(info) for info in infos]
    write = plan.choose(target.write_to, roles, "spec.target.writeTo")
    observe = plan.choose(target.observe_on, roles, "spec.target.observeOn", fallback=write)
    engine = plan.engine_type(infos[write])
    version = str(infos[write].get(f"{engine}_version") or infos[write].get("redis_version", ""))
    # In a cluster the API server fills the default type (keydb) in: only another one is a claim.
    if spec.engine.type not in (engine, Engine().type):
        raise TargetRefused(f"spec.engine.type: {spec.engine.type}, but the target is {engine}")
    session = TargetSession(
        target,
        endpoints,
        access,
        password,
        plan.run_prefix(target, run_id),
        roles,
        write,
        observe,
        engine,
        spec_ttl=spec.workload.key_ttl_seconds,
        version=version,
    )
    drops = {f.replica or 0 for f in spec.faults if f.action == "dropSubscribers"}
    _check_permissions(session, drops)
    try:
        _check_flags(session)
    except BaseException:  # refused, or interrupted, half-way: undo what was set already
        restore_settings(session)
        raise
    return session


def _check_permissions(session: TargetSession, drops: AbstractSet[int] = frozenset()) -> None:
    """Every command the run sends, tried harmlessly before the first write (SET comes last):
    the reads on every endpoint (the read-back after the run visits each), the rest where the
    run does them."""
    probe = f"{session.prefix}probe"
    channel = protocol.keyevent_channel(session.target.database)
    match = f"{glob_escape(session.prefix)}*"
    for index in range(len(session.endpoints)):
        with session.client(index) as client:
            steps: list[tuple[str, Callable[[], object]]] = [
                ("run PING", client.ping),
                (f"GET keys {probe}", partial(client.get, probe)),
                (f"SCAN MATCH {match}", partial(client.scan, 0, match=match, count=10)),
            ]
            if index in (session.write, session.observe):
                steps.append((f"SUBSCRIBE {channel}", partial(_subscribe_once, client, channel)))
            if index == session.write:
                steps.append((f"UNLINK keys {probe}", partial(client.unlink, probe)))
            if index in drops:  # dropSubscribers: kobench's own connections, by id
                steps.append(("run CLIENT LIST", partial(client.client_list, _type="pubsub")))
                steps.append(("run CLIENT SETNAME", partial(client.client_setname, "kobench")))
                steps.append(("run CLIENT KILL", partial(_kill_nobody, client)))
            for what, action in steps:
                _checked(action, _refuse_noperm(what, session, index))
    with session.client(session.write) as client:  # the first write, once all else may be done
        write = partial(client.set, probe, b"1", px=10_000)
        _checked(write, _refuse_noperm(f"SET keys {probe}", session, session.write))
        client.unlink(probe)


def _kill_nobody(client: redis.Redis) -> None:
    """CLIENT KILL of a client id that cannot exist: refused (NOPERM) or answered No such
    client, and nobody is cut either way."""
    try:
        client.execute_command("CLIENT", "KILL", "ID", str(2**63 - 1))
    except redis.ResponseError as exc:
        if "no such client" not in str(exc).lower():
            raise


def _subscribe_once(client: redis.Redis, channel: str) -> None:
    _subscribe(client, channel).close()


def _check_flags(session: TargetSession) -> None:
    """The keyevent flags on every endpoint: read with CONFIG GET where allowed (and set for the
    run with allowConfigChange), else proven by a probe event on the observed endpoint."""
    for index in range(len(session.endpoints)):
        with session.client(index) as client:
            try:
                flags = str(client.config_get(NOTIFY).get(NOTIFY, ""))
            except redis.ResponseError:  # NOPERM: the user may not read the configuration
                _probe_event(session)
                return
            if index == session.write:
                session.flags = flags
            missing = plan.missing_flags(flags)
            if not missing:
                continue
            if not session.target.allow_config_change:
                raise TargetRefused(
                    plan.notify_refusal(str(session.endpoints[index]), flags, missing)
                )
            change = partial(client.config_set, NOTIFY, flags + missing)
            _checked(change, _refuse_noperm(f"CONFIG SET {NOTIFY}", session, index))
            session.restore[index] = flags


def _probe_event(session: TargetSession) -> None:
    """One SET of a probe key on the write endpoint must be heard on the keyevent channel of
    both the observed endpoint (the observers) and the write endpoint (the writer's handshake
    listener)."""
    probe = f"{session.prefix}probe"
    channel = protocol.keyevent_channel(session.target.database)
    listening = sorted({session.observe, session.write})
    with session.client(session.write) as writer:
        listeners = [session.client(index) for index in listening]
        subscriptions = [_subscribe(listener, channel) for listener in listeners]
        writer.set(probe, b"1", px=10_000)
        deadline = time.monotonic() + PROBE_SECONDS
        heard = [False] * len(listening)
        while not all(heard) and time.monotonic() < deadline:
            for i, pubsub in enumerate(subscriptions):
                message = pubsub.get_message(timeout=0.05)
                heard[i] |= message is not None and message.get("data") in (probe, probe.encode())
        for pubsub, listener in zip(subscriptions, listeners, strict=True):
            pubsub.close()
            listener.close()
        writer.unlink(probe)
    for index, was_heard in zip(listening, heard, strict=True):
        if not was_heard:
            endpoint = str(session.endpoints[index])
            raise TargetRefused(plan.notify_refusal(endpoint, None))
