"""The engine password is never on a command line of a real process: not in
``/proc/<pid>/cmdline`` of a server the StatefulSet's launcher started, nor of any process of a
local run. (The manifests are checked without a server in ``tests/unit/inputs/test_secrets.py``.)"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import redis
from testkit.corpus.passwords import HOSTILE
from testkit.processes import descendants

from kobench.api import parse_benchmark, parse_spec
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import Endpoint
from kobench.run.local.local_loop import run_local
from kobench.run.pods import engine_manifests as engine


def launch(tmp_path: Path, password: str) -> tuple[subprocess.Popen[bytes], int]:
    """The StatefulSet's launcher, run for real with redis-server (its paths moved under
    ``tmp_path``), as replica 0 of a one-replica engine."""
    spec = parse_spec({"engine": {"type": "redis", "replicas": 1}})
    plugin = get_engine("redis")
    port = int(subprocess.check_output(["python3", "-c", _FREE_PORT]).decode())
    script = engine.launcher(plugin)
    for directory in (engine.ARGS_DIR, engine.DATA_DIR, engine.AUTH_DIR):
        moved = tmp_path / directory.strip("/").replace("/", "-")
        moved.mkdir()
        script = script.replace(directory, str(moved))
    args = plugin.server_args(
        0, [Endpoint(host="127.0.0.1", port=port)], spec=spec.engine, password=None
    )
    (tmp_path / "etc-kobench-engine" / "args-0").write_text(
        "\n".join([*args, "--bind", "127.0.0.1"])
    )
    process = subprocess.Popen(
        ["sh", "-c", script],
        env={
            "PATH": os.environ["PATH"],
            "HOSTNAME": "bench-engine-0",
            "KOBENCH_PASSWORD": password,
        },
    )
    return process, port


_FREE_PORT = (
    "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
)


def test_the_launcher_hands_a_hostile_password_to_the_server_off_its_command_line(
    tmp_path: Path,
) -> None:
    process, port = launch(tmp_path, HOSTILE)
    try:
        client = redis.Redis(port=port, password=HOSTILE, socket_timeout=2)
        deadline = time.monotonic() + 20
        while True:
            try:
                assert client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None, "server never up"
                time.sleep(0.1)
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port, password="wrong").ping()
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert "redis-server" in cmdline and HOSTILE not in cmdline and "requirepass" not in cmdline
        auth = tmp_path / "run-kobench" / "auth.conf"
        assert auth.stat().st_mode & 0o777 == 0o600
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().decode(errors="replace")
        assert HOSTILE not in environ, "the launcher unsets the variable before exec"
        probe = engine.ping_probe(get_engine("redis"), port)
        env = {"PATH": os.environ["PATH"], engine.CLI_PASSWORD_ENV: HOSTILE}
        assert subprocess.run(["sh", "-c", probe], env=env, check=False).returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_no_process_of_a_local_run_shows_the_password() -> None:
    benchmark = parse_benchmark(
        {
            "apiVersion": "kobench.io/v1alpha1",
            "kind": "KeyDBObserverBenchmark",
            "metadata": {"name": "secret"},
            "spec": {
                "engine": {"type": "redis", "replicas": 2},
                "workload": {"rate": 100, "durationSeconds": 1, "warmupSeconds": 0},
            },
        }
    )
    seen: dict[int, str] = {}
    ours: dict[int, str] = {}
    passwords: set[str] = set()

    def scan(stage: str, fraction: float) -> None:
        del fraction
        if "running" not in stage or seen:
            return
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    seen[int(proc.name)] = (proc / "cmdline").read_bytes().decode(errors="replace")
                except OSError:
                    continue
        ours.update({pid: seen.get(pid, "") for pid in descendants(os.getpid())})
        passwords.update(role_passwords(ours))

    run_local(benchmark, progress=scan)
    assert sum("redis-server" in line for line in ours.values()) == 2, ours
    assert sum("role" in line for line in ours.values()) >= 3, ours
    assert len(passwords) == 1, passwords  # every role was handed the run's one password
    password = passwords.pop()
    assert [line for line in seen.values() if password in line] == []


def role_passwords(processes: dict[int, str]) -> set[str]:
    """The password each role process was given, from its environment (never its command line)."""
    found: set[str] = set()
    for pid, command in processes.items():
        if "role" not in command:
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        found.update(
            e.split(b"=", 1)[1].decode() for e in environ if e.startswith(b"KOBENCH_PASSWORD=")
        )
    return found
