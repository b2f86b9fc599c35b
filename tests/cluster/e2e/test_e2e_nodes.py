"""Three nodes, as users run kobench: the engine's replicas spread over the nodes, every
replicated write and every event crosses a real link between nodes, ``required`` anti-affinity
refuses a fourth replica with a clear status, and a node holding an engine replica partitioned in
the middle of a run (then healed) ends the run with a verdict that shows the loss.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from testkit.kube import KubeCluster
from testkit.nodes import HOST_NODE, can_partition, node_partitioned
from testkit.support import wait_for
from tests.cluster.e2e.bench import TERMINAL, Installation, example, short_run
from tests.cluster.e2e.engine_cli import redis_cli


def _nodes_of(installation: Installation, name: str) -> dict[str, str]:
    """Pod name -> node name, for a benchmark's pods."""
    return {p["metadata"]["name"]: p["spec"]["nodeName"] for p in installation.pods_of(name)}


def _engine_nodes(installation: Installation, name: str) -> dict[int, str]:
    return {
        int(pod.rsplit("-", 1)[1]): node
        for pod, node in _nodes_of(installation, name).items()
        if "-engine-" in pod
    }


def _role_nodes(installation: Installation, name: str) -> dict[str, str]:
    """Role pod (writer, or the observer's name) -> node name."""
    found = {}
    for pod in installation.pods_of(name):
        labels = pod["metadata"]["labels"]
        role = labels.get("kobench.io/role")
        if role == "writer":
            found["writer"] = pod["spec"]["nodeName"]
        elif role == "observer":
            found[labels["kobench.io/observer"]] = pod["spec"]["nodeName"]
    return found


def _wait_for_writes(installation: Installation, name: str, *, at_least: int) -> None:
    """Until replica 0 holds ``at_least`` keys (unique mode: one key per write)."""
    password = installation.engine_password(name)
    pod = next(p for p in _nodes_of(installation, name) if p.endswith("-engine-0"))

    def written() -> bool:
        out = installation.kubectl(
            "exec",
            "-n",
            installation.namespace,
            pod,
            "--",
            "redis-cli",
            "--no-auth-warning",
            "-a",
            password,
            "DBSIZE",
            check=False,
        ).stdout.strip()
        return out.isdigit() and int(out) >= at_least

    wait_for(f"{at_least} writes on {pod}", written, timeout=120, every=0.5)


def test_engine_replicas_spread_and_results_know_the_nodes(
    kube_three_nodes: KubeCluster, installation: Installation, record_timing: Any
) -> None:
    name = "spread"
    document = short_run(
        example("cross-replica"), name=name, cleanup="Keep", thresholds={}, rate=300, seconds=4
    )
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=240)
    record_timing(f"{name} (3 nodes)", clock.durations())
    status = body["status"]
    assert status["phase"] == "Succeeded", status

    engines = _engine_nodes(installation, name)
    # Preferred anti-affinity (the default) puts each of the three replicas on its own node.
    assert sorted(engines) == [0, 1, 2] and len(set(engines.values())) == 3, engines

    result = installation.results(body)
    roles = _role_nodes(installation, name)
    writer_host = result["client"]["host"] if result.get("client") else roles["writer"]
    assert writer_host == roles["writer"], (result.get("client"), roles)
    cells = {(c["writtenReplica"], c["observedReplica"]): c for c in result["matrix"]}
    assert {(0, 1), (0, 2)} <= set(cells), cells
    for observer in result["observers"]:
        node = roles[observer["name"]]
        # The clock check knows whether the observer shares the writer's node (one clock).
        assert observer["clockSameHost"] is (node == roles["writer"]), (observer, roles)
        # Every event an observer saw crossed from replica 0's node to its replica's node.
        cell = cells[(0, observer["targetReplica"])]
        assert cell["count"] > 0 and cell["p99Ms"] > 0, cell
    print(f"{name}: engines on {engines}, roles on {roles}")


def test_required_anti_affinity_refuses_a_fourth_replica_with_a_clear_status(
    kube_three_nodes: KubeCluster, installation: Installation
) -> None:
    schedulable = [
        n
        for n in kube_three_nodes.get_json("nodes")["items"]
        if not n["spec"].get("unschedulable") and not n["spec"].get("taints")
    ]
    name = "four-on-three"
    document = short_run(example("cross-replica"), name=name, cleanup="Keep", seconds=2)
    document["spec"]["engine"]["replicas"] = len(schedulable) + 1
    document["spec"]["engine"]["placement"] = {"antiAffinity": "required"}
    document["spec"]["timeouts"] = {"engineReadySeconds": 25}
    clock = installation.apply(document)
    body = installation.finish(clock, timeout=180)
    status = body["status"]

    assert status["phase"] == "Failed", status
    pending = f"-engine-{len(schedulable)}"
    engine_ready = {c["type"]: c for c in status["conditions"]}.get("EngineReady", {})
    said = " ".join([*status.get("reasons", []), engine_ready.get("message", "")])
    assert pending in said and "cannot be scheduled" in said, status
    assert engine_ready.get("reason") == "Unschedulable", engine_ready


def _node_to_partition(engines: dict[int, str], roles: dict[str, str], operator: str) -> str:
    """A node holding an engine replica, other than the host (it holds the control plane) and
    the operator's (it must collect the run). The scheduler places the roles: prefer a node
    without the writer and the written replica, so the run goes on around the cut."""
    candidates = sorted(
        {n for n in engines.values() if n not in (HOST_NODE, operator)},
        key=lambda n: (n == roles["writer"] or n == engines[0], n),
    )
    if not candidates:
        pytest.fail(f"no node to partition: engines {engines}, roles {roles}, operator {operator}")
    return candidates[0]


def _lease_renewed(cluster: KubeCluster, node: str) -> str:
    return str(cluster.get_json("lease", node, "-n", "kube-node-lease")["spec"]["renewTime"])


def _assert_lost_or_held_back_and_named(
    hit: list[dict[str, Any]], status: dict[str, Any], *, cut_s: float
) -> None:
    """Every observer the cut reached is lost (no result, an error, missed events, a
    disconnect, an outage) or held back for the cut: never unseen, and named in the reasons."""
    for observer in hit:
        worst = (observer.get("latencyMs") or {}).get("max", 0.0)
        assert (
            observer["instances"] == 0
            or observer["errors"]
            or observer["missed"] > 0
            or observer["disconnects"] > 0
            or observer.get("outages")
            or worst >= cut_s * 1000 * 0.5
        ), observer
        assert any(observer["name"] in r for r in status["reasons"]), (observer, status)


def test_a_partitioned_engine_node_ends_with_a_verdict_and_converges_after_healing(
    kube_three_nodes: KubeCluster, installation: Installation, record_timing: Any
) -> None:
    name = "partition"
    seconds, cut_s = 24, 12
    document = short_run(
        example("cross-replica"),
        name=name,
        cleanup="Keep",
        rate=200,
        seconds=seconds,
        timeouts={"runSeconds": 240, "drainSeconds": 10},
    )
    clock = installation.apply(document)
    reached = installation.wait_phase(clock, ("Running", *TERMINAL), timeout=240)
    assert reached["status"]["phase"] not in TERMINAL, reached["status"]
    engines, roles = _engine_nodes(installation, name), _role_nodes(installation, name)
    operator = installation.get("pod", installation.operator_pod())["spec"]["nodeName"]
    node = _node_to_partition(engines, roles, operator)
    replicas = {r for r, n in engines.items() if n == node}
    everyone = node == roles["writer"] or 0 in replicas
    assert can_partition(node), node
    _wait_for_writes(installation, name, at_least=400)  # warm-up, then calm measured seconds
    with node_partitioned(kube_three_nodes, node):
        renewed = _lease_renewed(kube_three_nodes, node)
        time.sleep(cut_s)
        # The cut is real: the kubelet (renewing every 10 s) could not reach the API server.
        assert _lease_renewed(kube_three_nodes, node) == renewed, f"{node} renewed its lease"
    body = installation.finish(clock, timeout=300)
    record_timing(f"{name} ({node} cut {cut_s} s)", clock.durations())
    status = body["status"]
    print(f"{name}: {node} (replicas {replicas}) cut; engines {engines}, roles {roles}")
    print(f"{name}: {status['phase']} {status.get('verdict')}: {status['reasons']}")
    assert status["phase"] in ("Succeeded", "Failed"), status
    assert status.get("verdict") != "Passed", status
    assert status["reasons"], "a run that lost a node must say why"

    result = installation.results(body)
    # Cut off: every observer when the writer or the written replica was on the node; else
    # those listening on a replica there, or running there.
    hit = [
        o
        for o in result["observers"]
        if everyone or o["targetReplica"] in replicas or roles.get(o["name"]) == node
    ]
    assert hit, (result["observers"], roles, replicas)
    _assert_lost_or_held_back_and_named(hit, status, cut_s=cut_s)
    if everyone:
        # The writer lost its replica: the run says so (it cannot check convergence) ...
        assert any(r.startswith("writer") for r in status["reasons"]), status["reasons"]
        # ... and after healing the replicas converge all the same (read here, by the test).
        replicas_count = document["spec"]["engine"]["replicas"]

        def key_counts() -> set[str] | None:
            counts = {redis_cli(installation, name, i, "DBSIZE") for i in range(replicas_count)}
            return counts if len(counts) == 1 else None

        print(f"{name}: keys per replica after healing {wait_for('convergence', key_counts, 60)}")
        return
    # After healing, the replicas hold the same data again.
    assert result["convergence"]["checked"] and result["convergence"]["converged"], result[
        "convergence"
    ]
