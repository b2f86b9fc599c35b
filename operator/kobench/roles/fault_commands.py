"""The Redis commands of each fault, per engine: pure, so the exact commands are unit-tested
(KeyDB's included, which cannot run here).

- pauseReplica: ``CLIENT PAUSE <ms> ALL``; the server lifts it on its own clock.
- dropSubscribers: ``CLIENT KILL TYPE pubsub``: every subscriber of the replica is cut off; then
  every other receiving connection of an observer (named ``kobench-observer.``: a stream consumer,
  a tracking connection) by its id, from ``CLIENT LIST`` (:func:`receivers_of`). Against a
  target (``own_only``) only the run's own observers' connections, by id: never another client.
- cutReplication: the replica is given a wrong ``masterauth`` and its links to its primary
  (KeyDB: to every peer it replicates from) are killed, so it cannot re-establish them; lifting
  it restores the run's password and the replica resyncs on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from kobench.api import Fault

Command = tuple[str, ...]


def start_commands(fault: Fault, *, wrong_password: str, own_only: bool = False) -> list[Command]:
    """What applies a Redis-command fault on its replica (``own_only``: against a target, whose
    other clients are not kobench's to cut; its connections go by id, see receivers_of)."""
    if fault.action == "pauseReplica":
        milliseconds = round(1000 * (fault.duration_seconds or 0.0))
        return [("CLIENT", "PAUSE", str(milliseconds), "ALL")]
    if fault.action == "dropSubscribers":
        return [] if own_only else [("CLIENT", "KILL", "TYPE", "pubsub")]
    if fault.action == "cutReplication":
        return [
            ("CONFIG", "SET", "masterauth", wrong_password),
            ("CLIENT", "KILL", "TYPE", "master"),
        ]
    raise ValueError(f"{fault.action} is not a Redis-command fault")


def receivers_of(client_list: str, prefix: str) -> list[Command]:
    """``CLIENT KILL ID`` of each connection ``CLIENT LIST`` names with ``prefix``."""
    kills: list[Command] = []
    for line in client_list.splitlines():
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        if fields.get("name", "").startswith(prefix) and fields.get("id"):
            kills.append(("CLIENT", "KILL", "ID", fields["id"]))
    return kills


def end_commands(fault: Fault, *, password: str | None) -> list[Command]:
    """What lifts it (a pause lifts itself; a dropped subscriber reconnects on its own)."""
    if fault.action == "cutReplication":
        return [("CONFIG", "SET", "masterauth", password or "")]
    return []


def redacted(command: Sequence[str], secrets: Sequence[str]) -> str:
    """A command as it may be logged: no password, right or wrong."""
    return " ".join("***" if part in secrets else part for part in command)
