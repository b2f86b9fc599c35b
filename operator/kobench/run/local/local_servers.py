"""A local run's engine servers: which executable ``kobench run`` starts (or a message saying how
to get one), and each replica's command: a free loopback port, a fresh data directory, no
persistence, the password in a private config file (never on a command line)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kobench.api import BenchmarkSpec
from kobench.errors import EngineUnavailable
from kobench.plugins.connections import Access
from kobench.plugins.engines import Engine
from kobench.roles.role_config import Endpoint
from kobench.run.local.local_tls import local_access, make_certificates, tls_args
from kobench.run.local.processes import free_ports


def find_server(engine: Engine, server_binary: str | None) -> str:
    """The server executable, or a message that says how to get one."""
    if server_binary:
        if shutil.which(server_binary) is None:
            raise EngineUnavailable(f"--server-binary {server_binary!r} is not an executable")
        return server_binary
    found = shutil.which(engine.binary)
    if found is None:
        hint = (
            "engine: redis works with Debian's package (apt-get install redis-server)"
            if engine.name != "redis"
            else "install it with: apt-get install redis-server"
        )
        raise EngineUnavailable(
            f"engine {engine.name} needs `{engine.binary}` on PATH or --server-binary; {hint}"
        )
    return found


PeerLinks = Callable[[list[Endpoint]], list[Endpoint]]
"""Given the replicas' endpoints, the addresses their peers use to reach each of them."""


@dataclass(frozen=True)
class LocalServers:
    """The replicas' endpoints, how to reach them, and each one's server command."""

    endpoints: list[Endpoint]
    access: Access
    commands: list[list[str]]


def server_commands(
    spec: BenchmarkSpec,
    engine: Engine,
    binary: str,
    directory: Path,
    password: str | None,
    peer_links: PeerLinks | None,
) -> LocalServers:
    """Ports, data directories, config files and certificates for each replica, and its command."""
    endpoints = [Endpoint(host="127.0.0.1", port=port) for port in free_ports(spec.engine.replicas)]
    peers_of = peer_links(list(endpoints)) if peer_links else endpoints
    files = make_certificates(directory / "tls") if spec.engine.tls else None
    commands: list[list[str]] = []
    for index in range(spec.engine.replicas):
        data = directory / f"replica-{index}"
        data.mkdir()
        # The password goes into a private config file, not onto the command line.
        conf = data / "auth.conf"
        conf.write_text(f"requirepass {password}\nmasterauth {password}\n" if password else "")
        conf.chmod(0o600)
        peers = [endpoints[i] if i == index else p for i, p in enumerate(peers_of)]
        args = engine.server_args(index, peers, spec=spec.engine, password=None)
        command = [binary, str(conf), *args, "--bind", "127.0.0.1", "--dir", str(data)]
        if files is not None:
            command += tls_args(endpoints[index].port, files)
        commands.append(command)
    return LocalServers(endpoints, local_access(files) if files else Access(), commands)
