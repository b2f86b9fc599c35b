"""Clock truths in the cluster: observer pods whose wall clock libfaketime shifted by a known
offset (the ``kobench:dev-faketime`` role image, hack/images/faketime/), in a release of their
own, and the offsets kobench estimated and applied.

Every node of the test cluster shares the host's clock, so a shift is the only offset there is:
the estimate must recover it within its stated uncertainty, wherever the scheduler put the pod.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testkit.kube import KubeCluster
from tests.cluster.e2e.bench import Installation, example, short_run
from tests.cluster.e2e.conftest import installed


@pytest.fixture(scope="module")
def shifted_release(
    kube_full_node: KubeCluster, images: None, artifacts: Path
) -> Iterator[Installation]:
    with installed(kube_full_node, artifacts, "clocks", "roleImage=kobench:dev-faketime") as it:
        yield it


def _observer(result: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(o for o in result["observers"] if o["name"] == name)
    return found


def test_shifted_observer_clocks_are_recovered_and_beyond_the_bound_invalid(
    shifted_release: Installation,
) -> None:
    document = short_run(
        example("quickstart"),
        name="clocks",
        rate=300,
        seconds=4,
        cleanup="Keep",
        thresholds={},
        timeouts={"runSeconds": 120, "drainSeconds": 3},
        observers=[
            {"name": "shifted-3ms", "mode": "sync"},
            {"name": "shifted-20ms", "mode": "sync"},
            {"name": "plain", "mode": "sync"},
        ],
    )
    document["spec"]["workload"]["keyMode"] = "unique"
    clock = shifted_release.apply(document)
    body = shifted_release.finish(clock, timeout=150)
    status = body["status"]
    print(f"clocks: {status['phase']} {status.get('verdict')}: {status.get('reasons')}")
    assert status["phase"] == "Succeeded", status
    result = shifted_release.results(body)
    reasons: list[str] = result["reasons"]
    for name, shift_ms in (("shifted-3ms", 3.0), ("shifted-20ms", 20.0), ("plain", 0.0)):
        observer = _observer(result, name)
        offset, uncertainty = observer["clockOffsetMs"], observer["clockUncertaintyMs"]
        print(f"TRUTH cluster faketime +{shift_ms} ms ({name}): {offset} +- {uncertainty}")
        assert uncertainty < 1.0, observer
        assert abs(offset - shift_ms) <= uncertainty + 0.01, observer

    # Beyond validity.maxClockOffsetMs (5 ms), wherever it ran: Invalid, and the reason says so.
    assert status["verdict"] == "Invalid", status
    assert any(r.startswith("observer shifted-20ms clock offset +") for r in reasons), reasons
    assert not any(r.startswith("observer plain clock offset") for r in reasons), reasons

    small = _observer(result, "shifted-3ms")
    if small["clockSameHost"]:
        # On the writer's node a 3 ms offset means the clock was not shared after all.
        assert any(
            r.startswith("observer shifted-3ms clock offset +") and "not shared after all" in r
            for r in reasons
        ), reasons
    else:
        # On another node it is within the bound: applied, the shift is removed from latency.
        assert not any(r.startswith("observer shifted-3ms clock offset") for r in reasons)
        raw, corrected = small["latencyMs"]["p50"], small["correctedLatencyMs"]["p50"]
        assert abs((raw - corrected) - 3.0) <= small["clockUncertaintyMs"] + 0.01, small
        assert 0 < corrected <= small["handshakeRttMs"]["p99"], small
