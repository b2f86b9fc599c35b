"""An open target (what :mod:`.target_opening` found, what to undo), the spec its roles run,
and the end of a run against it: its keys removed, changed settings restored, all recorded.

Against a target kobench only ever runs the commands of the documented minimal ACL (and
``CONFIG GET``/``CONFIG SET notify-keyspace-events`` where allowed): never FLUSH*, DEBUG,
SHUTDOWN, CLIENT PAUSE, or CONFIG SET of anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import redis

from kobench.api import Benchmark
from kobench.api.target_spec import Target, TargetAuth
from kobench.api.target_status import TargetStatus
from kobench.measure.results.target_docs import TargetRecord
from kobench.plugins import connections as clients
from kobench.roles.handshakes import glob_escape
from kobench.roles.role_config import Endpoint
from kobench.run.target import target_plan as plan
from kobench.run.target.target_plan import TargetRefused

NOTIFY = "notify-keyspace-events"
PROBE_SECONDS = 2.0
SCAN_COUNT = 500


def read_password(auth: TargetAuth, env: Mapping[str, str]) -> str | None:
    """The password from the variable or the file the spec names (None: none needed)."""
    if auth.password_env:
        value = env.get(auth.password_env)
        if not value:
            raise TargetRefused(
                f"spec.target.auth.passwordEnv: {auth.password_env} is not set in the environment"
            )
        return value
    if auth.password_file:
        try:
            return Path(auth.password_file).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise TargetRefused(f"spec.target.auth.passwordFile: {exc.strerror}") from None
    return None


@dataclass
class TargetSession:
    """An open target: what was found at the start, what to undo at the end."""

    target: Target
    endpoints: list[Endpoint]
    access: clients.Access
    password: str | None
    prefix: str
    roles: list[str]
    write: int
    observe: int
    engine: str
    flags: str = "?"
    spec_ttl: int = 0
    """The run's key TTL (s): how long a key left behind lives."""
    restore: dict[int, str] = field(default_factory=dict)
    """Endpoint index -> its notify-keyspace-events before kobench changed it."""
    version: str = ""

    def status(self) -> TargetStatus:
        """What the opening found, as ``status.target`` keeps it (the opening role's document)."""
        return TargetStatus(
            endpoints=[str(e) for e in self.endpoints],
            roles=self.roles,
            write_endpoint=self.write,
            observe_endpoint=self.observe,
            engine=self.engine,
            version=self.version,
            key_prefix=self.prefix,
            notify_keyspace_events=self.flags,
            restore={str(i): flags for i, flags in sorted(self.restore.items())},
        )

    def client(self, index: int) -> redis.Redis:
        e = self.endpoints[index]
        return clients.client(e.host, e.port, self.password, db=self.target.database)

    def record(self, removed: int, left: int, failure: str | None = None) -> TargetRecord:
        return TargetRecord(
            endpoints=[str(e) for e in self.endpoints],
            write_endpoint=self.write,
            observe_endpoint=self.observe,
            roles=self.roles,
            username=self.access.username,
            tls=self.access.tls,
            tls_verified=self.access.verify,
            key_prefix=self.prefix,
            max_rate=self.target.max_rate,
            notify_keyspace_events=self.flags,
            config_changes=[
                f"{self.endpoints[i]} {NOTIFY} {old!r} -> {old + plan.missing_flags(old)!r}, "
                "restored"
                for i, old in sorted(self.restore.items())
            ],
            keys_removed=removed,
            keys_left=left,
            cleanup_error=failure,
        )


def target_benchmark(benchmark: Benchmark, session: TargetSession) -> Benchmark:
    """The benchmark the roles run against the open target (see :func:`plan.role_spec`)."""
    spec = plan.role_spec(
        benchmark.spec,
        engine=session.engine,
        endpoints=len(session.endpoints),
        write=session.write,
        observe=session.observe,
        prefix=session.prefix,
    )
    return benchmark.model_copy(update={"spec": spec})


def _remove_keys(session: TargetSession) -> tuple[int, int]:
    """(removed, left) under the run's prefix on the write endpoint."""
    match = f"{glob_escape(session.prefix)}*"
    removed = 0
    with session.client(session.write) as client:
        for _ in range(3):  # a role stopping late may still have set a key
            keys = list(client.scan_iter(match=match, count=SCAN_COUNT))
            for start in range(0, len(keys), SCAN_COUNT):
                removed += int(client.unlink(*keys[start : start + SCAN_COUNT]))
            if not keys:
                break
        left = sum(1 for _ in client.scan_iter(match=match, count=SCAN_COUNT))
    return removed, left


def restore_settings(session: TargetSession) -> list[str]:
    """Put back what kobench changed (allowConfigChange); what could not be, in words."""
    problems = []
    for index, flags in sorted(session.restore.items()):
        try:
            with session.client(index) as client:
                client.config_set(NOTIFY, flags)
        except (redis.RedisError, OSError) as exc:
            problems.append(f"{NOTIFY} not restored on {session.endpoints[index]} ({exc})")
    return problems


def close_target(session: TargetSession, *, interrupted: bool = False) -> TargetRecord:
    """Remove every key under the run's prefix (SCAN + UNLINK on the write endpoint, which
    replicates it), count what is left, and restore changed settings. A target that cannot be
    reached then is said on standard error (the keys expire with their TTL), not raised over
    what ended the run; so is the removal of an interrupted or failed run, which has no result."""
    try:
        removed, left = _remove_keys(session)
    except (redis.RedisError, OSError) as exc:
        removed, left, failure = 0, -1, str(exc)
    else:
        failure = ""
    failure += "".join(f"; {problem}" for problem in restore_settings(session))
    record = session.record(removed, left, failure.strip("; ") or None)
    if failure:
        ttl = session.spec_ttl
        print(
            f"kobench: could not clean the target up: {record.cleanup_error}. The run's keys "
            f"under {session.prefix} expire within {ttl} s",
            file=sys.stderr,
        )
    elif interrupted:
        print(
            f"kobench: removed {removed} keys under {session.prefix} on the target, {left} left",
            file=sys.stderr,
        )
    return record


def reopened(
    target: Target,
    found: TargetStatus,
    access: clients.Access,
    password: str | None,
    *,
    spec_ttl: int = 0,
) -> TargetSession:
    """The session the opening found (``status.target``), again: how a cleanup in another
    process (a pod, after an operator restart) knows the prefix and what to restore."""
    endpoints = plan.endpoints_of(plan.parse_endpoints(target))
    return TargetSession(
        target,
        endpoints,
        access,
        password,
        found.key_prefix,
        list(found.roles),
        found.write_endpoint,
        found.observe_endpoint,
        found.engine,
        flags=found.notify_keyspace_events,
        spec_ttl=spec_ttl,
        restore={int(i): flags for i, flags in found.restore.items()},
        version=found.version,
    )
