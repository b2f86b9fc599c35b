"""Ground truth for calibration: a known delay on one role's path to the engine shows in that
role's calibrated round trip, and only in that role's.

One redis-server, two Toxiproxy proxies in front of it (one per role, so both pay the proxy's own
cost), a 5 ms latency toxic on one of them. The writer runs here and the observer as the process
a runner starts, each told a different address for the same server; their documents are merged
as a run's.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from testkit.support import wait_for
from testkit.toxiproxy import Toxiproxy
from tests.engine.roles_apart import PASSWORD, observer_document, start_observer, start_server

from kobench.api import parse_spec
from kobench.measure.results import (
    Convergence,
    EngineFacts,
    RoundTrip,
    RunResult,
    merge_run,
)
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.roles.writer import Writer
from kobench.run.local.processes import ProcessGroup

DELAY_MS = 5
AT_LEAST = 0.95
"""The delay shows in full: the delayed role's round trip exceeds the other's by at least
95 % of it (a delay cannot be hidden)."""
AT_MOST = 1.3
"""...and by at most 130 %: a loaded machine only adds (a proxied sleep overshoots, the proxy
waits for a core). Seen: +0.14 to +0.26 ms calm, +0.58 ms beside a running cluster tier."""
UNDELAYED_BELOW_MS = 0.2 * DELAY_MS
SPEC = parse_spec(
    {
        "engine": {"type": "redis", "replicas": 1},
        "workload": {"rate": 100, "durationSeconds": 2, "keyMode": "unique"},
        "observers": [{"name": "sync", "mode": "sync"}],
    }
)


def run_with_delay(toxiproxy: Toxiproxy, directory: Path, delayed: str) -> RunResult:
    directory.mkdir()
    group = ProcessGroup(directory)
    try:
        server = start_server(group, SPEC)
        ports = {role: toxiproxy.proxy(role, server) for role in ("writer", "observer")}
        toxiproxy.latency(delayed, DELAY_MS)

        def config(role: str) -> RoleConfig:
            endpoint = Endpoint(host="127.0.0.1", port=ports[role])
            return RoleConfig(run_id="calibration-truth", spec=SPEC, endpoints=[endpoint])

        started_ns = time.time_ns()
        child, ready = start_observer(group, "sync", config("observer"))
        wait_for("the observer's subscription", ready.exists, timeout=30, every=0.05)
        writer = Writer(config("writer"), 0, PASSWORD).run()
        observer = observer_document(child)
    finally:
        group.close()
    return merge_run(
        benchmark="calibration-truth",
        run_id="calibration-truth",
        spec=SPEC,
        writers=[writer],
        observers=[observer],
        engine=writer.engine or EngineFacts(type="redis", replicas=1),
        convergence=Convergence(checked=False, converged=False),
        started_ns=started_ns,
        finished_ns=time.time_ns(),
    )


def round_trips(result: RunResult) -> dict[str, tuple[RoundTrip, RoundTrip]]:
    """Per role ("writer", "observer"): its paced and back-to-back round trips."""
    found: dict[str, tuple[RoundTrip, RoundTrip]] = {}
    for entry in result.calibration:
        calibration = entry.calibration
        assert calibration is not None and entry.reason == "", entry
        assert calibration.paced is not None and calibration.back_to_back is not None, entry
        role = "writer" if entry.role.startswith("writer.") else "observer"
        found[role] = (calibration.paced, calibration.back_to_back)
    return found


@pytest.mark.parametrize("delayed", ["writer", "observer"])
def test_a_delay_on_one_roles_path_shows_in_its_round_trip_only(
    toxiproxy: Toxiproxy, tmp_path: Path, delayed: str
) -> None:
    result = run_with_delay(toxiproxy, tmp_path / "run", delayed)
    other = "observer" if delayed == "writer" else "writer"
    trips = round_trips(result)
    overhead = result.observers[0].tool_overhead
    print(f"TRUTH calibration, {DELAY_MS} ms on the {delayed}: {trips}; {overhead}")
    assert result.observers[0].missed == 0, result.reasons
    for slow, fast in zip(trips[delayed], trips[other], strict=True):
        assert slow.samples >= 50 and fast.samples >= 50, (slow, fast)
        extra = slow.p50_ms - fast.p50_ms
        assert AT_LEAST * DELAY_MS <= extra <= AT_MOST * DELAY_MS, (delayed, slow, fast)
        assert fast.p50_ms < UNDELAYED_BELOW_MS, (other, fast)
    assert overhead is not None and overhead.paced_round_trip_ms == trips["observer"][0].p50_ms
    assert overhead.ratio is not None and overhead.ratio > 0
