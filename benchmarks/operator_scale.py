"""The operator's footprint: RSS, CPU seconds and reconcile latency with N benchmarks, and RSS over
many consecutive runs of one benchmark, against an idle operator measured in the same run.

Prints figures (not a test). Needs a cluster from ``hack/cluster up`` (the control plane is
enough; a full one serves too). The operator runs as a local subprocess watching a fresh
``bench-*`` namespace.

No pod of these benchmarks runs: the operator runs kubelet-less (``python -m
testkit.kubeletless_operator``, as the control-plane test tier runs it), so its pods get a
scheduler name no scheduler serves, and this script plays the kubelet with the statuses and
results of ``testkit/fake_kubelet.py``: it marks the engine and the observers Ready, and each
writer and observer Succeeded with a result document in the ``kobench.io/result`` annotation,
where that operator reads results. So every benchmark goes the whole way, Pending to a verdict, with
real API calls, status writes, results ConfigMaps, Events and metrics, at no cost in pods: what
the operator holds is what it holds for real runs, and the cores stay the operator's.

Per N (10, 50, 200 benchmarks created at once):

- RSS (``VmRSS``) once every benchmark has its verdict, and after ``--idle`` seconds more with all
  of them idle; against the same operator's RSS before the first benchmark (the baseline);
- CPU seconds (``/proc/PID/stat`` utime + stime) from the first create to the last verdict, and
  per minute while idle;
- reconcile latency: create returned -> the first status phase written, p50 and p99.

Then ``--runs`` consecutive runs of one benchmark (a new ``spec.runNonce`` each, on a fresh
operator): RSS after runs 1, 10, 25 and the last. And where the memory goes: RSS of a bare
Python and after importing each part of the operator, each in its own process.

Usage::

    python -m benchmarks.operator_scale              # N = 10, 50, 200, 3 times; 50 runs
    python -m benchmarks.operator_scale --quick      # N = 5, 20, once; 10 runs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client, watch
from testkit.bench_tools import archive, percentile
from testkit.cluster_up import find_cluster
from testkit.fake_kubelet import observer_result, running_status, succeeded_status, writer_result
from testkit.kob_watch import TERMINAL, KobWatch, api_client
from testkit.kube import KubeCluster, delete_namespace, ensure_crd, new_namespace
from testkit.nodes import node_names
from testkit.operator_process import OperatorProcess
from testkit.support import REPO, benchmark

from kobench.api import GROUP, PLURAL, VERSION, BenchmarkSpec, parse_spec
from kobench.run.pods.pod_names import (
    INSTANCE_LABEL,
    OBSERVER_LABEL,
    RESULT_ANNOTATION,
    RUN_LABEL,
    WRITER_LABEL,
)

SPEC: dict[str, Any] = {
    "engine": {"type": "redis", "replicas": 1},
    "workload": {"writes": 100, "rate": 1000, "warmupSeconds": 0},
    "observers": [{"name": "sync", "mode": "sync"}],
}
IMPORT_STEPS = [
    "yaml",
    "pydantic",
    "kubernetes_asyncio.client",
    "kopf",
    "prometheus_client",
    "redis",
    "kobench.api",
    "kobench.measure.results",
    "kobench.controller.operator_main",
]
"""Imported one after another in one process; each line is what that import added."""
START = (
    "import sys\n"
    "try:\n"
    "    from kobench.controller.operator_main import load_kubernetes_client_lazily\n"
    "except ImportError:  # code from before it\n"
    "    pass\n"
    "else:\n"
    "    load_kubernetes_client_lazily()\n"
    "import kopf, prometheus_client, kobench.controller.handlers\n"
    "print(rss(), len(sys.modules))\n"
)
"""What ``run_operator`` imports before it starts kopf."""
SETTLE_S = 5.0
"""Seconds an operator idles after its /metrics answers, before its baseline RSS is read."""
MERGE = "application/merge-patch+json"


class FakeKubelet:
    """Moves this namespace's pods along as a kubelet would, from a watch of them: the engine
    and observers Ready; a writer Succeeded with its result, then its run's observers too."""

    def __init__(self, api: Any, namespace: str, spec: BenchmarkSpec) -> None:
        self.core = client.CoreV1Api(api)
        self.namespace = namespace
        self.spec = spec
        self.handled: set[str] = set()
        self.observers: dict[str, list[tuple[str, str, str, int]]] = {}
        """Observer pods by run id: (pod, container, observer name, instance)."""
        self.gate = asyncio.Semaphore(8)
        self._tasks: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            stream = watch.Watch().stream(
                self.core.list_namespaced_pod, self.namespace, timeout_seconds=60
            )
            async for event in stream:
                pod = event["object"]
                uid = pod.metadata.uid
                if event["type"] != "ADDED" or uid in self.handled:
                    continue
                self.handled.add(uid)
                task = asyncio.ensure_future(self._act(pod))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _patch_status(self, name: str, status: dict[str, Any]) -> None:
        async with self.gate:
            await self.core.patch_namespaced_pod_status(
                name,
                self.namespace,
                {"status": status},
                _content_type=MERGE,  # type: ignore[call-arg]
            )

    async def _finish(self, name: str, container: str, result: str) -> None:
        async with self.gate:
            body = {"metadata": {"annotations": {RESULT_ANNOTATION: result}}}
            await self.core.patch_namespaced_pod(
                name,
                self.namespace,
                body,
                _content_type=MERGE,  # type: ignore[call-arg]
            )
        await self._patch_status(name, succeeded_status(container))

    async def _act(self, pod: Any) -> None:
        labels = pod.metadata.labels or {}
        name, container = pod.metadata.name, pod.spec.containers[0].name
        component = labels.get("app.kubernetes.io/component")
        run = labels.get(RUN_LABEL, "")
        try:
            if component in ("engine", "observer"):
                await self._patch_status(name, running_status(container))
                if component == "observer":
                    entry = (name, container, labels[OBSERVER_LABEL], int(labels[INSTANCE_LABEL]))
                    self.observers.setdefault(run, []).append(entry)
            elif component == "writer":
                writer = int(labels.get(WRITER_LABEL, "0"))
                await self._finish(name, container, writer_result(self.spec, writer))
                for pod_name, pod_container, observer, instance in self.observers.pop(run, []):
                    doc = observer_result(self.spec, observer, instance)
                    await self._finish(pod_name, pod_container, doc)
        except client.exceptions.ApiException as exc:
            if exc.status != 404:  # a pod deleted meanwhile (its run superseded) is no error
                print(f"    fake kubelet: {name}: {exc.status} {exc.reason}", file=sys.stderr)


@dataclass(frozen=True)
class Code:
    """The operator code an arm runs: this checkout, or an archive of a commit."""

    label: str
    source: Path


@dataclass
class Step:
    """One operator's figures with ``n`` benchmarks."""

    arm: str
    n: int
    baseline_mb: float
    done_mb: float = 0.0
    idle_mb: float = 0.0
    peak_mb: float = 0.0
    cpu_s: float = 0.0
    idle_cpu_per_min: float = 0.0
    wall_s: float = 0.0
    first_phase_ms: list[float] = field(default_factory=list)
    verdicts: Counter[str] = field(default_factory=Counter)


def start_operator(
    cluster: KubeCluster, code: Code, namespace: str, log_dir: Path
) -> OperatorProcess:
    """A kubelet-less operator of ``code`` on ``namespace``, settled (idle) for a few seconds."""
    log = log_dir / f"operator-{namespace}.log"
    operator = OperatorProcess(cluster, namespace, log, source=code.source, start_timeout=60)
    operator.start()
    time.sleep(SETTLE_S)
    return operator


async def scale_step(
    cluster: KubeCluster, code: Code, n: int, *, idle: float, log_dir: Path
) -> Step:
    namespace = new_namespace(cluster, f"bench-scale{n}")
    operator = start_operator(cluster, code, namespace, log_dir)
    api = await api_client(cluster)
    spec = parse_spec(SPEC)
    kobs, kubelet = KobWatch(api, namespace), FakeKubelet(api, namespace, spec)
    try:
        step = Step(arm=code.label, n=n, baseline_mb=operator.rss_mb())
        kobs.start()
        kubelet.start()
        custom, gate, created = client.CustomObjectsApi(api), asyncio.Semaphore(8), {}
        cpu0, t0 = operator.cpu_seconds(), time.monotonic()

        async def create(name: str) -> None:
            async with gate:
                body = benchmark(name, SPEC)
                await custom.create_namespaced_custom_object(
                    GROUP, VERSION, namespace, PLURAL, body
                )
                created[name] = time.monotonic()

        names = [f"b{i:03d}" for i in range(n)]
        await asyncio.gather(*(create(name) for name in names))

        def all_done() -> bool:
            return all(kobs.seen.get(b) and kobs.seen[b].phase in TERMINAL for b in names)

        await kobs.until(all_done, timeout=120 + 3 * n, what=f"{n} benchmarks at a verdict")
        step.wall_s = time.monotonic() - t0
        step.cpu_s = operator.cpu_seconds() - cpu0
        step.done_mb = operator.rss_mb()
        step.first_phase_ms = [
            max(0.0, (kobs.seen[b].first_phase or 0.0) - created[b]) * 1000 for b in names
        ]
        step.verdicts = Counter(
            kobs.seen[b].status.get("verdict") or kobs.seen[b].phase for b in names
        )
        cpu1 = operator.cpu_seconds()
        await asyncio.sleep(idle)
        step.idle_cpu_per_min = (operator.cpu_seconds() - cpu1) / idle * 60
        step.idle_mb, step.peak_mb = operator.rss_mb(), operator.peak_mb()
        return step
    finally:
        await kubelet.stop()
        await kobs.stop()
        await api.close()
        wait = ("--wait=true", "--timeout=300s")
        cluster.kubectl("delete", "kob", "--all", "-n", namespace, *wait, check=False, timeout=330)
        operator.stop()
        delete_namespace(cluster, namespace)


async def reruns(
    cluster: KubeCluster, code: Code, runs: int, *, log_dir: Path
) -> tuple[float, list[tuple[int, float, float, float]]]:
    """The baseline RSS and (run, RSS MiB, CPU seconds so far, seconds for the run) per run."""
    namespace = new_namespace(cluster, "bench-reruns")
    operator = start_operator(cluster, code, namespace, log_dir)
    api = await api_client(cluster)
    kobs, kubelet = KobWatch(api, namespace), FakeKubelet(api, namespace, parse_spec(SPEC))
    custom = client.CustomObjectsApi(api)
    rows: list[tuple[int, float, float, float]] = []
    try:
        baseline, cpu0 = operator.rss_mb(), operator.cpu_seconds()
        kobs.start()
        kubelet.start()
        for run in range(1, runs + 1):
            nonce, t0 = f"run-{run}", time.monotonic()
            spec = {**SPEC, "runNonce": nonce}
            if run == 1:
                body = benchmark("rerun", spec)
                await custom.create_namespaced_custom_object(
                    GROUP, VERSION, namespace, PLURAL, body
                )
            else:
                patch = {"spec": {"runNonce": nonce}}
                await custom.patch_namespaced_custom_object(
                    GROUP,
                    VERSION,
                    namespace,
                    PLURAL,
                    "rerun",
                    patch,
                    _content_type=MERGE,  # type: ignore[call-arg]
                )

            def finished(nonce: str = nonce) -> bool:
                seen = kobs.seen.get("rerun")
                return bool(seen and seen.run_nonce == nonce and seen.phase in TERMINAL)

            await kobs.until(finished, timeout=120, what=f"run {run} at a verdict")
            elapsed = time.monotonic() - t0
            rows.append((run, operator.rss_mb(), operator.cpu_seconds() - cpu0, elapsed))
            verdict = kobs.seen["rerun"].status.get("verdict")
            if verdict != "Passed":
                print(f"    run {run}: verdict {verdict}: {kobs.seen['rerun'].status}")
        return baseline, rows
    finally:
        await kubelet.stop()
        await kobs.stop()
        await api.close()
        cluster.kubectl("delete", "kob", "--all", "-n", namespace, "--wait=true", check=False)
        operator.stop()
        delete_namespace(cluster, namespace)


RSS = (
    "import sys\n"
    "def rss():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmRSS:'): return int(line.split()[1]) / 1024\n"
)


def _python(code: str, source: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(source / "operator")}
    return subprocess.run(
        [sys.executable, "-c", RSS + code], capture_output=True, text=True, env=env, check=True
    ).stdout


def start_cost(code: Code) -> tuple[float, int]:
    """RSS (MiB) and modules once ``code``'s operator has imported what it starts with."""
    mb, modules = _python(START, code.source).split()
    return float(mb), int(modules)


def import_costs() -> list[tuple[str, float, int]]:
    """(module, MiB its import added, modules it added), one process importing them in order
    (eagerly, as before the lazy client); the first row is a bare interpreter."""
    code = (
        "print('python', rss(), len(sys.modules))\n"
        f"for name in {IMPORT_STEPS!r}:\n"
        "    __import__(name); print(name, rss(), len(sys.modules))\n"
        "print('scipy loaded', 'scipy' in sys.modules, 'numpy loaded', 'numpy' in sys.modules)\n"
    )
    out = _python(code, REPO)
    rows: list[tuple[str, float, int]] = []
    previous_mb, previous_modules = 0.0, 0
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "scipy":
            continue
        mb, modules = float(parts[1]), int(parts[2])
        rows.append((parts[0], mb - previous_mb, modules - previous_modules))
        previous_mb, previous_modules = mb, modules
    return rows


def report_steps(steps: list[Step], repeat: int, arms: list[str]) -> None:
    print(f"\nN benchmarks created at once, median of {repeat} (a fresh operator each time):")
    print(
        f"  {'code':14} {'N':>4} {'idle MB':>8} {'at verdicts':>11} {'x idle':>7}"
        f" {'idle after':>10} {'KB/bench':>9} {'CPU s':>6} {'CPU s/min idle':>14}"
        f" {'1st phase p50 ms':>16} {'p99 ms':>7} {'all done s':>10}  verdicts"
    )
    for arm in arms:
        for n in sorted({s.n for s in steps}):
            mine = [s for s in steps if s.n == n and s.arm == arm]
            if mine:
                print(f"  {arm:14} {n:>4} {_step_row(mine, n)}")


def _step_row(mine: list[Step], n: int) -> str:
    def med(attr: str) -> float:
        return statistics.median(float(getattr(s, attr)) for s in mine)

    base, done, idle = med("baseline_mb"), med("done_mb"), med("idle_mb")
    per = statistics.median((s.idle_mb - s.baseline_mb) * 1024 / n for s in mine)
    p50 = statistics.median(percentile(s.first_phase_ms, 0.5) for s in mine)
    p99 = statistics.median(percentile(s.first_phase_ms, 0.99) for s in mine)
    verdicts = sum((s.verdicts for s in mine), Counter())
    return (
        f"{base:>8.1f} {done:>11.1f} {done / base:>7.2f} {idle:>10.1f} {per:>9.0f}"
        f" {med('cpu_s'):>6.1f} {med('idle_cpu_per_min'):>14.2f} {p50:>16.0f} {p99:>7.0f}"
        f" {med('wall_s'):>10.1f}  {dict(verdicts)}"
    )


def report_reruns(arm: str, baseline: float, rows: list[tuple[int, float, float, float]]) -> None:
    last = rows[-1][0]
    picks = {r for r in (1, 10, 25, last) if r <= last}
    print(f"\n{arm}: {last} consecutive runs of one benchmark (idle operator {baseline:.1f} MB):")
    print(f"  {'after run':>9} {'RSS MB':>8} {'x idle':>7} {'CPU s so far':>13}")
    for run, rss, cpu, _ in rows:
        if run in picks:
            print(f"  {run:>9} {rss:>8.1f} {rss / baseline:>7.2f} {cpu:>13.1f}")
    seconds = statistics.median(r[3] for r in rows)
    print(f"  a run took {seconds:.1f} s (median; the operator polls a run every 2 s)")


async def main_async(args: argparse.Namespace) -> None:
    cluster = find_cluster()
    ensure_crd(cluster)
    sizes = [int(n) for n in args.sizes.split(",")]
    repeat, runs, idle = args.repeat, args.runs, args.idle
    baseline_runs = runs if args.baseline_runs is None else args.baseline_runs
    if args.quick:
        sizes, repeat, runs, baseline_runs, idle = [5, 20], 1, 10, 10, 10.0
    print(
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; cluster {cluster.mode} with "
        f"{len(node_names(cluster))} node(s); N = {', '.join(map(str, sizes))}, {repeat} time(s); "
        f"{runs} consecutive runs"
    )
    print("\nwhere the memory goes (RSS after each import, eagerly, in one process):")
    for name, mb, modules in import_costs():
        print(f"  {name:28} +{mb:6.1f} MB  (+{modules} modules)")
    with tempfile.TemporaryDirectory(prefix="operator-scale-") as tmp:
        log_dir = Path(args.log_dir or tmp)
        log_dir.mkdir(parents=True, exist_ok=True)
        codes = [Code(args.ref or "this checkout", REPO)]
        if args.ref:
            codes[0] = Code(args.ref, archive(args.ref, Path(tmp) / "code"))
        if args.baseline_ref:
            codes.append(Code(args.baseline_ref, archive(args.baseline_ref, Path(tmp) / "base")))
        for code in codes:
            mb, modules = start_cost(code)
            print(f"  operator start, {code.label:14} {mb:6.1f} MB  ({modules} modules)")
        steps: list[Step] = []
        for attempt in range(repeat):
            for n in sizes:
                for code in codes:
                    step = await scale_step(cluster, code, n, idle=idle, log_dir=log_dir)
                    steps.append(step)
                    print(f"  [{attempt + 1}/{repeat}] {code.label}, N={n}: {describe(step)}")
        series = []
        for code in codes:
            count = runs if code is codes[0] else baseline_runs
            if count:
                series.append((code.label, *await reruns(cluster, code, count, log_dir=log_dir)))
    print(f"\nload {os.getloadavg()[0]:.1f} at the end")
    report_steps(steps, repeat, [c.label for c in codes])
    for label, baseline, rows in series:
        report_reruns(label, baseline, rows)


def describe(step: Step) -> str:
    return (
        f"idle {step.baseline_mb:.1f} MB, at verdicts {step.done_mb:.1f} MB, "
        f"then idle {step.idle_mb:.1f} MB; CPU {step.cpu_s:.1f} s in {step.wall_s:.1f} s; "
        f"first phase p50 {percentile(step.first_phase_ms, 0.5):.0f} ms; {dict(step.verdicts)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,50,200", help="numbers of benchmarks (N)")
    parser.add_argument("--repeat", type=int, default=3, help="times each N is measured (median)")
    parser.add_argument("--runs", type=int, default=50, help="consecutive runs of one benchmark")
    parser.add_argument("--idle", type=float, default=30.0, help="idle seconds after the verdicts")
    parser.add_argument("--ref", help="measure the operator of this commit (default: checkout)")
    parser.add_argument("--baseline-ref", help="also measure the operator of this commit")
    parser.add_argument(
        "--baseline-runs", type=int, help="consecutive runs for the baseline (default --runs)"
    )
    parser.add_argument("--log-dir", help="keep the operators' logs here")
    parser.add_argument("--quick", action="store_true", help="N = 5, 20 once; 10 runs")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
