"""The engine of a run, reached the way a user would: ``redis-cli`` in its pod
(``kubectl exec``), with the run's password from its Secret on stdin."""

from __future__ import annotations

from tests.cluster.e2e.bench import Installation


def engine_pod(installation: Installation, name: str, index: int) -> str:
    pods: list[str] = [
        p["metadata"]["name"]
        for p in installation.pods_of(name)
        if p["metadata"]["name"].endswith(f"-engine-{index}")
    ]
    assert len(pods) == 1, pods
    return pods[0]


def redis_cli(installation: Installation, name: str, index: int, *command: str) -> str:
    """``redis-cli COMMAND`` on replica ``index``; the password goes in on stdin (as
    REDISCLI_AUTH), never on a command line."""
    password = installation.engine_password(name)
    done = installation.kubectl(
        "exec",
        "-i",
        "-n",
        installation.namespace,
        engine_pod(installation, name, index),
        "-c",
        "engine",
        "--",
        "sh",
        "-c",
        'read -r REDISCLI_AUTH && export REDISCLI_AUTH && exec redis-cli "$@"',
        "redis-cli",
        *command,
        input=password + "\n",
    )
    return done.stdout.strip()
