"""Engine start in a real cluster: seconds from apply to EngineReady and to the verdict, for the
quickstart and for three-replica Redis and Valkey engines whose replicas start in order or all
together, against a one-replica engine measured in the same run.

Prints figures (not a test). Needs a full cluster from ``hack/cluster up --mode full`` with the
images imported (``kobench:dev``, ``kobench-redis:7.0``, ``kobench-valkey:8.0``). The operator
runs as a local subprocess (``kobench operator``) watching a fresh ``bench-*``
namespace; the pods are real and run on the cluster's nodes.

Arms, interleaved so that other work on the machine falls on all of them alike:

- ``1 x redis`` (the baseline): one replica, the same workload as the three-replica arms;
- ``quickstart``: ``examples/quickstart.yaml`` as it is;
- ``3 x redis, in order`` / ``3 x valkey, in order``: as shipped: a primary/replica engine's
  StatefulSet starts its pods one after another (``podManagementPolicy: OrderedReady``);
- ``3 x redis, together`` / ``3 x valkey, together``: the replicas start all at once
  (``Parallel``), as a KeyDB mesh's peers do, each looking its primary up before that pod
  exists. KeyDB cannot run here; this is the same start on engines that can. A second operator
  runs for these arms with the one switch that decides it (the engine plugin's
  ``multi_master``) turned on; nothing else reads that switch for these specs.

Times: ``engine ready`` is when the watch saw the ``EngineReady`` condition turn True (the
operator checks every 2 s, so it includes up to one pass); ``pods ready`` is the last engine
pod's Ready ``lastTransitionTime`` (whole seconds, the API server's clock); the verdict is the
first terminal phase. Each figure is the median of ``--repeat`` runs.

Usage::

    python -m benchmarks.engine_start              # 3 runs per arm, about 10 minutes
    python -m benchmarks.engine_start --quick      # 1 run per arm
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from kubernetes_asyncio import client
from testkit.bench_tools import archive
from testkit.cluster_up import find_cluster
from testkit.kob_watch import TERMINAL, KobWatch, api_client
from testkit.kube import delete_namespace, ensure_crd, new_namespace
from testkit.nodes import node_names
from testkit.operator_process import OperatorProcess
from testkit.support import REPO, benchmark

from kobench.api import GROUP, PLURAL, VERSION

QUICKSTART = REPO / "examples" / "quickstart.yaml"
TOGETHER = (
    "from kobench.plugins.engines.redis import RedisEngine\n"
    "RedisEngine.multi_master = True  # podManagementPolicy: Parallel for redis and valkey\n"
)
"""Prelude of an operator whose primary/replica engines start all replicas at once."""
NO_SYNC_DELAY = (
    "from kobench.plugins.engines.redis import RedisEngine\n"
    "_args = RedisEngine.server_args\n"
    "def _no_delay(self, index, endpoints, *, spec, password):\n"
    "    args = _args(self, index, endpoints, spec=spec, password=password)\n"
    "    return [*args, '--repl-diskless-sync-delay', '0']\n"
    "RedisEngine.server_args = _no_delay\n"
)
"""Prelude of an operator whose Redis/Valkey primaries start a replica's full sync at once
(``repl-diskless-sync-delay 0``; the servers' default is to wait 5 s for more replicas)."""
VARIANTS = {
    "": "",
    "together": TOGETHER,
    "sync delay 0": NO_SYNC_DELAY,
    "together, sync delay 0": TOGETHER + NO_SYNC_DELAY,
}
"""One operator per variant, each on its own namespace: the code as shipped, and changed."""
SLOW_REPLICA_S = 8.0
"""A replica slower than this from its start to Ready has its log's replication lines shown."""
ROLE_IMAGE = "kobench:dev"
WORKLOAD = {"rate": 300, "durationSeconds": 4, "warmupSeconds": 1}
PHASES = ["Pending", "Deploying", "WaitingForEngine", "Subscribing", "Running", "Collecting"]
ENGINE_TARGET_S, QUICKSTART_TARGET_S = 10.0, 20.0


def engine_spec(engine: str, replicas: int) -> dict[str, Any]:
    return {
        "engine": {"type": engine, "replicas": replicas},
        "workload": dict(WORKLOAD),
        "observers": [{"name": "sync", "mode": "sync"}],
    }


@dataclass
class Arm:
    label: str
    spec: dict[str, Any]
    variant: str = ""
    """The operator it runs on: a key of :data:`VARIANTS` (empty: as shipped)."""
    runs: list[Run] = field(default_factory=list)


@dataclass
class Run:
    engine_ready_s: float
    pods_ready_s: float
    verdict_s: float
    verdict: str
    phases_s: dict[str, float]
    """Seconds from apply to the first sight of each phase."""
    pods: list[str]
    """Each engine pod: created, started and Ready offsets from apply (whole seconds)."""
    warnings: list[str]
    slow: list[str] = field(default_factory=list)
    """Replication lines from the log of each slow replica."""


def _stamp(text: str | None) -> float | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def engine_pods(
    api: Any, namespace: str, run_id: str, t0_wall: float
) -> tuple[list[str], list[str]]:
    """One line per engine pod of the run (when it was created, started and Ready), and the
    replication lines of the log of each replica slower than :data:`SLOW_REPLICA_S`."""
    core = client.CoreV1Api(api)
    selector = f"kobench.io/run-id={run_id},app.kubernetes.io/component=engine"
    pods = (await core.list_namespaced_pod(namespace, label_selector=selector)).items
    lines, slow, latest_ready = [], [], 0.0
    for pod in sorted(pods, key=lambda p: p.metadata.name):
        ready = next((c for c in pod.status.conditions or [] if c.type == "Ready"), None)
        started = None
        for status in pod.status.container_statuses or []:
            if status.state and status.state.running:
                started = status.state.running.started_at

        def offset(when: Any) -> str:
            return "-" if when is None else f"{when.timestamp() - t0_wall:.0f}"

        ready_at = ready.last_transition_time if ready and ready.status == "True" else None
        if ready_at is not None:
            latest_ready = max(latest_ready, ready_at.timestamp() - t0_wall)
        if started and ready_at and (ready_at - started).total_seconds() > SLOW_REPLICA_S:
            log = await core.read_namespaced_pod_log(pod.metadata.name, namespace, tail_lines=60)
            keep = ("MASTER", "master", "primary", "PRIMARY", "sync", "Error", "error", "Timeout")
            slow += [f"{pod.metadata.name}: {line[:150]}" for line in log.splitlines()
                     if any(word in line for word in keep)][-12:]  # fmt: skip
        ordinal, created = pod.metadata.name.rsplit("-", 1)[-1], pod.metadata.creation_timestamp
        when = f"created {offset(created)} started {offset(started)} ready {offset(ready_at)}"
        lines.append(f"{ordinal}: {when}")
    lines.append(f"last ready {latest_ready:.0f}")
    return lines, slow


async def warnings(api: Any, namespace: str, run_id: str) -> list[str]:
    """Warning Events of the run's engine pods (failed probes, say), counted by message."""
    core = client.CoreV1Api(api)
    events = (await core.list_namespaced_event(namespace)).items
    found: dict[str, int] = {}
    for event in events:
        name = event.involved_object.name or ""
        if event.type == "Warning" and run_id[:6] in name and "engine" in name:
            message = f"{event.reason}: {(event.message or '')[:120]}"
            found[message] = found.get(message, 0) + (event.count or 1)
    return [f"{count} x {message}" for message, count in found.items()]


async def one_run(api: Any, namespace: str, kobs: KobWatch, name: str, spec: dict[str, Any]) -> Run:
    custom = client.CustomObjectsApi(api)
    kobs.forget(name)
    t0, t0_wall = time.monotonic(), time.time()
    await custom.create_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, benchmark(name, spec)
    )

    def engine_ready() -> bool:
        seen = kobs.seen.get(name)
        return bool(seen and ("EngineReady" in seen.conditions or seen.phase in TERMINAL))

    await kobs.until(engine_ready, timeout=300, what=f"{name}'s engine ready")
    seen = kobs.seen[name]
    run_id = str(seen.status.get("runId") or "")
    pods, slow = await engine_pods(api, namespace, run_id, t0_wall)
    await kobs.until(
        lambda: kobs.seen[name].phase in TERMINAL, timeout=300, what=f"{name}'s verdict"
    )
    seen = kobs.seen[name]
    pods_ready = float(pods[-1].split()[-1])
    run = Run(
        engine_ready_s=seen.conditions.get("EngineReady", float("nan")) - t0,
        pods_ready_s=pods_ready,
        verdict_s=seen.phases[seen.phase] - t0,
        verdict=str(seen.status.get("verdict") or seen.phase),
        phases_s={phase: at - t0 for phase, at in seen.phases.items()},
        pods=pods[:-1],
        warnings=await warnings(api, namespace, run_id),
        slow=slow,
    )
    if run.verdict != "Passed":  # say why, in the operator's words
        reasons = seen.status.get("reasons") or [seen.status.get("message", "")]
        run.warnings.append(f"{run.verdict}: {'; '.join(map(str, reasons))[:400]}")
    await custom.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, name)
    return run


def describe(run: Run) -> str:
    return (
        f"engine ready {run.engine_ready_s:5.1f} s, pods ready {run.pods_ready_s:3.0f} s, "
        f"verdict {run.verdict_s:5.1f} s ({run.verdict}); pods {'; '.join(run.pods)}"
    )


def arms() -> list[Arm]:
    quickstart = yaml.safe_load(QUICKSTART.read_text())["spec"]
    return [
        Arm("1 x redis (baseline)", engine_spec("redis", 1)),
        Arm("quickstart", quickstart),
        *[
            Arm(f"3 x {engine}, {order}{extra}", engine_spec(engine, 3), variant)
            for engine in ("redis", "valkey")
            for order, extra, variant in [
                ("in order", "", ""),
                ("together", "", "together"),
                ("in order", ", sync delay 0", "sync delay 0"),
                ("together", ", sync delay 0", "together, sync delay 0"),
            ]
        ],
    ]


def report(all_arms: list[Arm]) -> None:
    base = statistics.median(r.engine_ready_s for r in all_arms[0].runs)
    repeat = len(all_arms[0].runs)
    print(f"\nseconds from apply, median of {repeat} (runs in brackets):")
    print(
        f"  {'arm':34} {'engine ready':>12} {'x 1 replica':>11} {'pods ready':>10}"
        f" {'verdict':>8}  runs (engine ready / verdict)"
    )
    for arm in all_arms:
        ready = statistics.median(r.engine_ready_s for r in arm.runs)
        pods = statistics.median(r.pods_ready_s for r in arm.runs)
        verdict = statistics.median(r.verdict_s for r in arm.runs)
        runs = ", ".join(f"{r.engine_ready_s:.1f}/{r.verdict_s:.1f}" for r in arm.runs)
        print(
            f"  {arm.label:34} {ready:>12.1f} {ready / base:>11.2f} {pods:>10.0f}"
            f" {verdict:>8.1f}  {runs}"
        )
    print("\nphases (seconds from apply to the first sight of each, median):")
    print(f"  {'arm':34} " + " ".join(f"{p[:12]:>12}" for p in [*PHASES, "verdict"]))
    for arm in all_arms:
        cells = []
        for phase in PHASES:
            values = [r.phases_s[phase] for r in arm.runs if phase in r.phases_s]
            cells.append(f"{statistics.median(values):>12.1f}" if values else f"{'-':>12}")
        cells.append(f"{statistics.median(r.verdict_s for r in arm.runs):>12.1f}")
        print(f"  {arm.label:34} " + " ".join(cells))
    print("\ntargets:")
    for arm in all_arms:
        ready = statistics.median(r.engine_ready_s for r in arm.runs)
        verdict = statistics.median(r.verdict_s for r in arm.runs)
        if arm.label.startswith("3 x"):
            ok = "met" if ready <= ENGINE_TARGET_S else "MISSED"
            print(f"  {arm.label:34} engine ready {ready:.1f} s <= {ENGINE_TARGET_S:g} s: {ok}")
        if arm.label == "quickstart":
            ok = "met" if verdict <= QUICKSTART_TARGET_S else "MISSED"
            print(f"  {arm.label:34} verdict {verdict:.1f} s <= {QUICKSTART_TARGET_S:g} s: {ok}")


async def main_async(args: argparse.Namespace) -> None:
    cluster = find_cluster(need_full=True)
    ensure_crd(cluster)
    repeat = 1 if args.quick else args.repeat
    all_arms = arms()
    if args.only:  # the baseline always runs: the ratios are to it
        all_arms = all_arms[:1] + [a for a in all_arms[1:] if any(o in a.label for o in args.only)]
    nodes = len(node_names(cluster))
    print(
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {nodes} node(s); "
        f"{repeat} run(s) per arm"
    )
    extra = ["--role-image", ROLE_IMAGE, "--image-pull-policy", "IfNotPresent"]
    with tempfile.TemporaryDirectory(prefix="engine-start-") as tmp:
        log_dir = Path(args.log_dir or tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        source = archive(args.ref, Path(tmp) / "code") if args.ref else REPO
        variants = sorted({arm.variant for arm in all_arms})
        namespaces = {v: new_namespace(cluster, "bench-start") for v in variants}
        operators = {
            v: OperatorProcess(
                cluster,
                namespaces[v],
                log_dir / f"operator-{namespaces[v]}.log",
                extra,
                kubeletless=False,
                prelude=VARIANTS[v],
                source=source,
                start_timeout=60,
            )
            for v in variants
        }
        api = await api_client(cluster)
        watches = {v: KobWatch(api, namespaces[v]) for v in variants}
        try:
            for operator in operators.values():
                operator.start()
            for kobs in watches.values():
                kobs.start()
            for n in range(repeat):
                for index, arm in enumerate(all_arms):
                    namespace, kobs = namespaces[arm.variant], watches[arm.variant]
                    run = await one_run(api, namespace, kobs, f"start-{index}-{n}", arm.spec)
                    arm.runs.append(run)
                    print(f"  [{n + 1}/{repeat}] {arm.label:34} {describe(run)}")
                    for line in run.warnings + run.slow:
                        print(f"      {line}")
        finally:
            for kobs in watches.values():
                await kobs.stop()
            await api.close()
            for namespace in namespaces.values():
                wait = ("--wait=true", "--timeout=120s")
                cluster.kubectl("delete", "kob", "--all", "-n", namespace, *wait, check=False)
            for operator in operators.values():
                operator.stop()
            for namespace in namespaces.values():
                delete_namespace(cluster, namespace)
    print(f"load {os.getloadavg()[0]:.1f} at the end")
    report(all_arms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs per arm (median)")
    parser.add_argument("--ref", help="run the operator of this commit (default: the checkout)")
    parser.add_argument(
        "--only", action="append", help="run only the arms whose label has this (repeatable)"
    )
    parser.add_argument("--log-dir", help="keep the operators' logs here")
    parser.add_argument("--quick", action="store_true", help="one run per arm")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
