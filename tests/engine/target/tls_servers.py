"""A deployment the user already runs, made by the test: a CA it generates, a redis-server or
valkey-server primary and replica with TLS only (replication included), an admin user for the
test's own checks and the kobench ACL user with exactly the documented permissions."""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from testkit.support import free_port
from tests.engine.running_cli import RunningBenchmark

from kobench.run.pods.engine_certificates import make_material

MINIMAL_ACL = (
    "resetkeys ~kobench:* resetchannels &__keyevent@0__:set "
    "-@all +ping +info +get +set +scan +unlink +subscribe +unsubscribe"
)
"""The documented minimal ACL of the keyevent mechanism (docs/guides/own-deployment.md)."""
SERVER_NAME = "engine.kobench.test"

Start = Callable[..., RunningBenchmark]
"""``start(name, target, mode="unique", seconds=2.0, **spec)``: ``kobench run`` of a benchmark
file against ``target`` (a spec.target), as a user starts it."""


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """(CA bundle, server certificate, server key): the server's names are 127.0.0.1 and
    :data:`SERVER_NAME` (made as the operator makes an engine's, a CA of its own)."""
    material = make_material(
        [SERVER_NAME, "127.0.0.1"], now=dt.datetime.now(dt.UTC), run_id="target-test"
    )
    paths = (directory / "ca.pem", directory / "server.pem", directory / "server.key")
    paths[0].write_bytes(material.ca)
    paths[1].write_bytes(material.cert)
    paths[2].write_bytes(material.key)
    return paths


@dataclass
class Deployment:
    """The user's primary (index 0) and replica (index 1)."""

    binary: str
    ports: list[int]
    ca: Path
    admin_password: str
    password: str
    processes: list[subprocess.Popen[bytes]]

    def admin(self, index: int) -> redis.Redis:
        """The test's own connection, as the deployment's administrator."""
        return redis.Redis(
            host="127.0.0.1",
            port=self.ports[index],
            password=self.admin_password,
            ssl=True,
            ssl_ca_certs=str(self.ca),
        )


def _config(
    directory: Path, port: int, files: tuple[Path, Path, Path], passwords: tuple[str, str], acl: str
) -> str:
    ca, cert, key = files
    admin, user = passwords
    return "\n".join(
        [
            "port 0",
            f"tls-port {port}",
            "bind 127.0.0.1",
            f"tls-cert-file {cert}",
            f"tls-key-file {key}",
            f"tls-ca-cert-file {ca}",
            "tls-auth-clients no",
            "tls-replication yes",
            'save ""',
            "appendonly no",
            "repl-diskless-sync-delay 0",  # the replica links at once, not after 5 s
            f"dir {directory}",
            "notify-keyspace-events KE$",
            f"user default on >{admin} ~* &* +@all",
            f"user kobench on >{user} {acl}",
            f"masterauth {admin}",
            "",
        ]
    )


def start_deployment(binary: str, directory: Path, *, acl: str = MINIMAL_ACL) -> Deployment:
    """A primary and its replica on loopback with TLS only, once the replica's link is up."""
    files = make_ca(directory)
    passwords = (secrets.token_hex(12), secrets.token_hex(12))
    ports = [free_port(), free_port()]
    processes = []
    for index, port in enumerate(ports):
        data = directory / f"server-{index}"
        data.mkdir()
        conf = data / "server.conf"
        text = _config(data, port, files, passwords, acl)
        if index == 1:
            text += f"replicaof 127.0.0.1 {ports[0]}\n"
        conf.write_text(text)
        conf.chmod(0o600)
        log = (data / "server.log").open("wb")
        processes.append(subprocess.Popen([binary, str(conf)], stdout=log, stderr=log))
    deployment = Deployment(binary, ports, files[0], *passwords, processes)
    _wait_linked(deployment)
    return deployment


def _wait_linked(deployment: Deployment, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with deployment.admin(1) as client:
                if client.info("replication").get("master_link_status") == "up":
                    return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{deployment.binary}: the replica's TLS link never came up")


def configuration(deployment: Deployment) -> list[dict[str, str]]:
    """CONFIG GET * of both servers (as their administrator)."""
    found = []
    for index in range(2):
        with deployment.admin(index) as client:
            found.append({str(k): str(v) for k, v in client.config_get("*").items()})
    return found


NEVER_SENT = (
    "flushall",
    "flushdb",
    "config|set",
    "debug",
    "shutdown",
    "client|pause",
    "client|kill",
)
"""What kobench never sends to a target, not even to be refused."""


def never_sent_but_seen(deployment: Deployment) -> dict[str, object]:
    """INFO commandstats entries of :data:`NEVER_SENT` on either server (calls or refusals)."""
    seen: dict[str, object] = {}
    for index in range(2):
        with deployment.admin(index) as client:
            stats = client.info("commandstats")
        seen |= {
            f"{index}:{k}": v for k, v in stats.items() if k.removeprefix("cmdstat_") in NEVER_SENT
        }
    return seen


def stop_deployment(deployment: Deployment) -> None:
    for process in deployment.processes:
        process.terminate()
    for process in deployment.processes:
        process.wait(timeout=10)


def every_pid() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


PASSWORD_ENV = "KOBENCH_TEST_TARGET_PASSWORD"
SERVERS = ("redis-server", "valkey-server")


def target_spec(deployment: Deployment, **extra: Any) -> dict[str, Any]:
    ports = deployment.ports
    return {
        "endpoints": [f"rediss://127.0.0.1:{ports[0]}", f"rediss://127.0.0.1:{ports[1]}"],
        "auth": {"username": "kobench", "passwordEnv": PASSWORD_ENV},
        "tls": {"caFile": str(deployment.ca)},
        **extra,
    }


def workload(mode: str, seconds: float = 1.5) -> dict[str, Any]:
    return {"rate": 200, "durationSeconds": seconds, "warmupSeconds": 0.5, "keyMode": mode}
