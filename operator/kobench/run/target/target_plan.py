"""Decisions of a run against a target, as pure functions: where its endpoints are, which one is
written to and which one observed, whether its notification flags do, and the spec the roles run.

Every refusal is a :class:`TargetRefused` whose message names the field or the permission and
says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from kobench.api import BenchmarkSpec, Fault
from kobench.api.target_spec import Target
from kobench.errors import KobenchError, SpecError
from kobench.plugins.connections import Access
from kobench.roles.role_config import Endpoint

DEFAULT_PORT = 6379
NEEDED_FLAGS = "E$"
"""The keyevent mechanism: E (the __keyevent@<db>__ channels) and $ (string commands: SET)."""


class TargetRefused(KobenchError):
    """The target cannot be measured as asked, and nothing was written to it."""


@dataclass(frozen=True)
class ParsedEndpoint:
    host: str
    port: int
    tls: bool
    username: str | None


CLUSTER_SOURCES = (
    ("auth.passwordSecretRef", "password_secret_ref"),
    ("tls.caSecretRef", "ca_secret_ref"),
    ("tls.caConfigMapRef", "ca_config_map_ref"),
    ("tls.clientSecretName", "client_secret_name"),
)


LOCAL_SOURCES = (
    ("auth.passwordEnv", "password_env"),
    ("auth.passwordFile", "password_file"),
    ("tls.caFile", "ca_file"),
    ("tls.certFile", "cert_file"),
    ("tls.keyFile", "key_file"),
)


def target_sources_refused(
    target: Target, *, cluster: bool, faults: Sequence[Fault] = ()
) -> list[SpecError]:
    """Where secrets and certificates are read must suit the executor: files and environment
    variables for ``kobench run``, Secrets and ConfigMaps for the operator (whose pods read
    them: the operator itself reads no Secret). Each refusal names the field and its
    counterpart."""
    errors = []
    sources = LOCAL_SOURCES if cluster else CLUSTER_SOURCES
    for path, name in sources:
        owner = target.auth if path.startswith("auth.") else target.tls
        if getattr(owner, name) is None:
            continue
        if cluster:
            told = "is read by kobench run on its own machine; in a cluster give " + (
                "auth.passwordSecretRef (a Secret in the benchmark's namespace)"
                if path.startswith("auth.")
                else "tls.caSecretRef or tls.caConfigMapRef, and tls.clientSecretName"
            )
        else:
            told = "is read by the operator in a cluster; for kobench run give " + (
                "auth.passwordEnv or auth.passwordFile"
                if path.startswith("auth.")
                else "tls.caFile, tls.certFile and tls.keyFile"
            )
        errors.append(SpecError(f"spec.target.{path}", told))
    if not cluster:
        errors += [
            SpecError(
                f"spec.faults[{i}].action",
                "killReplica of a target deletes its pod: only the operator in a cluster does",
            )
            for i, fault in enumerate(faults)
            if fault.action == "killReplica"
        ]
    return errors


def parse_endpoint(text: str, index: int) -> ParsedEndpoint:
    """``host:port`` or a ``redis://`` / ``rediss://`` URL; a password in it is refused."""
    field = f"spec.target.endpoints[{index}]"
    url = urlsplit(text if "://" in text else f"redis://{text}")
    if url.password is not None:
        raise TargetRefused(
            f"{field}: holds a password, which would sit on a command line or in a file: "
            "give it with spec.target.auth (passwordEnv, passwordFile or passwordSecretRef)"
        )
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        raise TargetRefused(f"{field}: {text!r} is not host:port, redis:// or rediss://")
    try:
        port = url.port or DEFAULT_PORT
    except ValueError as exc:
        raise TargetRefused(f"{field}: {exc}") from None
    return ParsedEndpoint(url.hostname, port, url.scheme == "rediss", url.username or None)


def parse_endpoints(target: Target) -> list[ParsedEndpoint]:
    parsed = [parse_endpoint(text, i) for i, text in enumerate(target.endpoints)]
    users = {p.username for p in parsed if p.username} | (
        {target.auth.username} if target.auth.username else set()
    )
    if len(users) > 1:
        named = ", ".join(sorted(users))
        raise TargetRefused(
            f"spec.target.auth.username: the endpoints name several users ({named})"
        )
    return parsed


def endpoints_of(parsed: Sequence[ParsedEndpoint]) -> list[Endpoint]:
    return [Endpoint(host=p.host, port=p.port) for p in parsed]


def access_for(target: Target, parsed: Sequence[ParsedEndpoint]) -> Access:
    """How every client of the run connects: the ACL user, TLS and what it verifies."""
    tls = target.tls
    username = target.auth.username or next((p.username for p in parsed if p.username), None)
    return Access(
        username=username,
        tls=target.uses_tls,
        ca_file=tls.ca_file,
        cert_file=tls.cert_file,
        key_file=tls.key_file,
        server_name=tls.server_name,
        verify=not tls.insecure_skip_verify,
    )


def replication_role(info: Mapping[str, object]) -> str:
    """``primary``, ``replica`` or ``active-replica`` (KeyDB: a master that replicates too)."""
    role = str(info.get("role", ""))
    if role == "master":
        active = info.get("active_replica") in (1, "1", "yes") or int(
            str(info.get("connected_masters", "0") or "0")
        )
        return "active-replica" if active else "primary"
    return "replica" if role == "slave" else role or "unknown"


def choose(choice: str, roles: Sequence[str], field: str, *, fallback: int | None = None) -> int:
    """The endpoint ``choice`` names: an index, the (first) primary, or the first replica."""
    if choice.isdigit():
        index = int(choice)
        if index >= len(roles):
            raise TargetRefused(f"{field}: {index} is not below the {len(roles)} endpoints")
        return index
    wanted = ("primary", "active-replica") if choice == "primary" else ("replica",)
    found = [i for i, role in enumerate(roles) if role in wanted]
    if found:
        return found[0]
    if fallback is not None:
        return fallback
    seen = ", ".join(f"{i}: {r}" for i, r in enumerate(roles))
    raise TargetRefused(f"{field}: no endpoint is a {choice} ({seen})")


def missing_flags(flags: str, needed: str = NEEDED_FLAGS) -> str:
    """The notify-keyspace-events flags ``needed`` lacks in ``flags`` (A stands for $ too)."""
    return "".join(f for f in needed if f not in flags and not (f == "$" and "A" in flags))


def notify_refusal(endpoint: str, flags: str | None, missing: str = NEEDED_FLAGS) -> str:
    """Why the flags refuse the run and how to set them; ``flags`` None: not readable (no
    CONFIG GET for the user), and a probe SET raised no event on ``endpoint``."""
    if flags is None:
        found = (
            f"a SET under the run's prefix raised no event on {endpoint} (its "
            "notify-keyspace-events could not be read: the user may not run CONFIG GET)"
        )
        wanted = f"K{NEEDED_FLAGS}"
    else:
        found = f"notify-keyspace-events on {endpoint} is {flags!r}"
        wanted = flags + missing
    return (
        f"{found}: the keyevent mechanism needs {missing!r}. Set it on every endpoint (CONFIG "
        f"SET notify-keyspace-events {wanted}, and in the server's configuration file), or let "
        "kobench set it for the run and restore it afterwards with "
        "spec.target.allowConfigChange: true"
    )


def engine_type(info: Mapping[str, object]) -> str:
    """The engine plugin that matches a server's INFO: valkey, keydb or redis."""
    if "valkey_version" in info or info.get("server_name") == "valkey":
        return "valkey"
    if "keydb_version" in info or "active_replica" in info or "multimaster" in info:
        return "keydb"
    return "redis"


def run_prefix(target: Target, run_id: str) -> str:
    """Where every key of the run lies (removed at the end by SCAN + UNLINK on it)."""
    return f"{target.key_prefix}:{run_id}:"


def role_spec(
    spec: BenchmarkSpec, *, engine: str, endpoints: int, write: int, observe: int, prefix: str
) -> BenchmarkSpec:
    """The spec the roles run against the target: its engine and endpoints, the chosen write
    and observe endpoints, only the flags the run needs, and every key under ``prefix``."""
    assert spec.target is not None
    fields = {"type": engine, "replicas": endpoints, "database": spec.target.database}
    workload = {
        "target_replica": write,
        "shared_key": f"{prefix}shared",
        "handshake_key": f"{prefix}hs",
        "key_prefix": f"{prefix}w",
    }
    return spec.model_copy(
        update={
            "engine": spec.engine.model_copy(
                update={**fields, "notify_keyspace_events": NEEDED_FLAGS}
            ),
            "workload": spec.workload.model_copy(update=workload),
            "observers": [o.model_copy(update={"target_replica": observe}) for o in spec.observers],
        }
    )
