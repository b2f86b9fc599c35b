"""``spec.engine.tls``: kobench's own servers speak TLS only (their replication link too), signed
by a CA made for the run; every role verifies them, and the result says the engine was reached
through TLS."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from testkit.processes import command_line
from tests.engine.running_cli import RunningBenchmark

from kobench.api import Benchmark
from kobench.run.local.local_loop import run_local


def test_own_engine_with_tls_only(
    benchmark_file: Callable[..., Path], run_cli: Callable[[Path], RunningBenchmark]
) -> None:
    path = benchmark_file(
        "tls",
        engine={"type": "valkey", "replicas": 2, "tls": True},
        workload={"rate": 200, "durationSeconds": 1, "warmupSeconds": 0.5, "keyMode": "unique"},
        observers=[{"name": "sync", "mode": "sync", "targetReplica": 1}],
    )
    running = run_cli(path)
    observer = running.wait_for_children("role observer", 1)[0]
    words = command_line(observer).split()
    config = json.loads(Path(words[words.index("--config") + 1]).read_text())
    port = config["endpoints"][0]["port"]
    assert config["access"]["tls"] and config["access"]["caFile"]
    with pytest.raises(redis.ConnectionError), redis.Redis(port=port) as plain:
        plain.ping()  # a client without TLS gets no answer
    code, out = running.finish()
    assert code == 0, out
    result = json.loads(running.output.read_text())
    assert result["engine"]["tls"] is True
    assert [s["linkUp"] for s in result["engine"]["replication"]] == [True, True]
    summary = result["observers"][0]
    assert (summary["received"], summary["missed"]) == (result["writers"]["sent"], 0)


def test_the_probe_and_every_lean_connection_speak_tls_too(
    benchmark: Callable[..., Benchmark],
) -> None:
    """Beyond keyevent on set, the probe and the observers use their own lean connections
    (:mod:`kobench.plugins.mechanisms.resp_link`, sync and async): with TLS only they must
    speak it, verified against the run's CA, or the run could not even be probed."""
    spec = benchmark(
        engine={"type": "valkey", "replicas": 1, "tls": True},
        workload={"rate": 200, "durationSeconds": 1, "warmupSeconds": 0.3, "keyMode": "unique"},
        delivery={"mechanism": "stream"},
        observers=[
            {"name": "sync", "mode": "sync", "handshake": False},
            {"name": "async", "mode": "async", "handshake": False},
        ],
    )
    result = run_local(spec)
    assert result.engine.tls is True
    assert result.probe is not None and all(a.supported for a in result.probe.answers)
    for observer in result.observers:
        assert observer.mechanism == "stream:group", observer.name
        assert (observer.received, observer.missed) == (observer.expected, 0), observer.name
