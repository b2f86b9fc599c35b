"""Ground truth for the capability probe: a server configured not to support a feature (its
commands renamed away, as a managed service or an older engine lacks them) makes the run end
before anything is measured, naming the engine, its version and the feature (exit status 2);
what it supports passes the probe, and the result document holds the probe's answers. In a
matrix the cell it cannot run is marked Unsupported and left out of the comparison."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kobench.api import Benchmark
from kobench.errors import Unsupported
from kobench.run.local.local_loop import run_local, run_matrix

QUICK = {"rate": 100, "durationSeconds": 0.5, "warmupSeconds": 0.2, "keyMode": "unique"}


def without(tmp_path: Path, *commands: str) -> str:
    """A redis-server that does not know ``commands`` (renamed to nothing)."""
    renames = " ".join(f"--rename-command {c} ''" for c in commands)
    script = tmp_path / "redis-without"
    script.write_text(f'#!/bin/sh\nexec redis-server "$@" {renames}\n')
    script.chmod(0o755)
    return str(script)


def test_sharded_pubsub_on_a_server_without_it_is_refused_by_name(
    benchmark_file: Callable[..., Path], tmp_path: Path
) -> None:
    path = benchmark_file(
        engine={"type": "redis", "replicas": 1},
        workload=QUICK,
        delivery={"mechanism": "spublish"},
    )
    server = without(tmp_path, "SSUBSCRIBE", "SPUBLISH")
    done = subprocess.run(
        [sys.executable, "-m", "kobench", "run", str(path), "-q", "--server-binary", server],
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(f"TRUTH probe, no SSUBSCRIBE: exit {done.returncode}: {done.stderr.strip()}")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("kobench: the engine cannot run this benchmark:\n")
    assert (
        "spec.delivery.mechanism: engine redis 7.0.15 (replica 0) does not support SSUBSCRIBE "
        "for mechanism spublish, command set: " in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_resp3_tracking_is_refused_where_hello_3_is_not_known_and_redirect_runs(
    benchmark: Callable[..., Benchmark], tmp_path: Path
) -> None:
    server = without(tmp_path, "HELLO")
    resp3 = benchmark(
        engine={"type": "redis", "replicas": 1},
        workload=QUICK,
        delivery={"mechanism": "tracking", "variant": "resp3"},
    )
    with pytest.raises(Unsupported) as caught:
        run_local(resp3, server_binary=server)
    told = str(caught.value)
    print(f"TRUTH probe, no HELLO: {told}")
    assert told.startswith("spec.delivery.variant: engine redis 7.0.15 (replica 0) does not ")
    assert "support HELLO 3" in told
    assert "'AUTH' 'default' '***'" in told  # the server echoes the password: never told
    redirect = benchmark(
        engine={"type": "redis", "replicas": 1},
        workload=QUICK,
        delivery={"mechanism": "tracking", "variant": "redirect"},
    )
    result = run_local(redirect, server_binary=server)
    assert result.verdict == "Passed", result.reasons
    assert result.probe is not None and result.probe.unsupported == []
    features = {a.feature for a in result.probe.answers}
    assert {"CLIENT TRACKING REDIRECT", "delivery"} <= features


def test_event_classes_a_server_will_not_take_are_refused_by_name(
    benchmark: Callable[..., Benchmark], tmp_path: Path
) -> None:
    # The server keeps the flags it started with (KE$: no hash events) and refuses CONFIG (a
    # managed service's restriction): the probe cannot set or read them, and its one hset
    # write is never heard. Both are told.
    script = tmp_path / "redis-fixed-flags"
    script.write_text(
        '#!/bin/sh\nexec redis-server "$@" --notify-keyspace-events KE\\$ '
        "--rename-command CONFIG ''\n"
    )
    script.chmod(0o755)
    spec = benchmark(
        engine={"type": "redis", "replicas": 1, "notifyKeyspaceEvents": "KEA"},
        workload={**QUICK, "command": "hset"},
    )
    with pytest.raises(Unsupported) as caught:
        run_local(spec, server_binary=str(script))
    told = str(caught.value)
    print(f"TRUTH probe, flags kept at KE$: {told}")
    flags, heard = told.splitlines()
    assert flags.startswith(
        "spec.engine.notifyKeyspaceEvents: engine redis 7.0.15 (replica 0) does not support "
        "notify-keyspace-events for mechanism keyevent, command hset: CONFIG SET KEA: "
    )
    assert "unknown command" in flags and flags.endswith("missing E$h")
    assert heard.startswith("spec.workload.command: engine redis 7.0.15 (replica 0) does not ")
    assert heard.endswith(
        "delivery for mechanism keyevent, command hset: no event within 3 s of the write"
    )


def test_a_matrix_leaves_the_cell_its_engine_cannot_run_out_of_the_comparison(
    benchmark: Callable[..., Benchmark], tmp_path: Path
) -> None:
    spec = benchmark(
        engine={"type": "redis", "replicas": 1},
        workload=QUICK,
        observers=[{"name": "app", "mode": "async"}],
        matrix={"mechanisms": ["publish", "spublish"], "repetitions": 1},
    )
    server = without(tmp_path, "SSUBSCRIBE", "SPUBLISH")
    comparison = run_matrix(spec, server_binaries={"": server})
    cells = {cell.id: cell for cell in comparison.cells}
    print(f"TRUTH probe in a matrix: {[(c.id, c.unsupported, c.failures) for c in cells.values()]}")
    assert cells["mechanism=spublish"].unsupported.startswith("spec.delivery.mechanism: engine ")
    assert cells["mechanism=spublish"].failures == [] and cells["mechanism=spublish"].runs == []
    assert len(cells["mechanism=publish"].runs) == 1
    assert comparison.pairs == []  # nothing to compare publish with


def test_a_replica_observer_is_probed_where_it_listens_on_valkey(
    benchmark: Callable[..., Benchmark],
) -> None:
    spec = benchmark(
        engine={"type": "valkey", "replicas": 2},
        workload=QUICK,
        observers=[{"name": "far", "mode": "sync", "targetReplica": 1}],
        delivery={"mechanism": "spublish"},
    )
    result = run_local(spec)
    assert result.verdict == "Passed", result.reasons  # Valkey's sharded pub/sub, on a replica
    (far,) = result.observers
    assert far.received == far.expected == 50 and far.missed == 0
    assert result.probe is not None
    delivery = [a for a in result.probe.answers if a.feature == "delivery"]
    assert [a.replica for a in delivery] == [1] and delivery[0].supported
    assert {r.index for r in result.probe.replicas} == {0, 1}
    assert all(r.version.startswith("valkey 8") and r.hz for r in result.probe.replicas)
    assert yaml.safe_dump(result.probe.model_dump(by_alias=True))  # plain data
