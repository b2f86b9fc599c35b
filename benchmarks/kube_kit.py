"""What the cluster benchmarks share: the cluster ``hack/cluster`` started, ``kobench operator``
as a local subprocess (its RSS and CPU seconds from ``/proc``), and a watch that stamps each
benchmark's status changes as they arrive.

Not a benchmark itself; ``operator_scale.py`` and ``engine_start.py`` use it. Run those as
modules from the repository root (``python -m benchmarks.operator_scale``) with the dev venv.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.exceptions import ApiException

from kobench.api import API_VERSION, GROUP, KIND, PLURAL, VERSION

REPO = Path(__file__).resolve().parents[1]
HACK_CLUSTER = REPO / "hack" / "cluster"
CRD_FILE = REPO / "manifests" / "crd.yaml"
CRD_NAME = f"{PLURAL}.{GROUP}"
TERMINAL = frozenset({"Succeeded", "Failed", "Error"})
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Cluster:
    """The cluster ``hack/cluster up`` started (never started or stopped from here)."""

    kubeconfig: Path
    kubectl_path: Path
    mode: str
    nodes: int

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "KUBECONFIG": str(self.kubeconfig)}

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> str:
        command = [str(self.kubectl_path), "--kubeconfig", str(self.kubeconfig), *args]
        done = subprocess.run(
            command, input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout


def find_cluster(*, need_full: bool = False) -> Cluster:
    """The running cluster, from ``hack/cluster status`` and ``env``; exits when none is up."""
    status = subprocess.run(
        [str(HACK_CLUSTER), "status"], capture_output=True, text=True, check=False, timeout=60
    )
    fields = dict(re.findall(r"^(\w+):\s+(\S+)", status.stdout, re.MULTILINE))
    if status.returncode != 0:
        raise SystemExit("no cluster is up: the lead starts it (hack/cluster up --mode full)")
    if need_full and fields.get("mode") != "full":
        raise SystemExit(f"needs a full cluster (pods that run); this one is {fields.get('mode')}")
    env = subprocess.run(
        [str(HACK_CLUSTER), "env"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    exports = dict(re.findall(r"^export (\w+)=(.*)$", env, re.MULTILINE))
    kubectl = next(
        Path(d) / "kubectl"
        for d in exports["PATH"].split(":")
        if (Path(d) / "kubectl").is_file() and os.access(Path(d) / "kubectl", os.X_OK)
    )
    return Cluster(
        kubeconfig=Path(exports["KUBECONFIG"]),
        kubectl_path=kubectl,
        mode=fields.get("mode", "?"),
        nodes=int(fields.get("nodes", "1")),
    )


def ensure_crd(cluster: Cluster) -> None:
    """The committed CRD applied and established (what the tests do too)."""
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD_FILE))
    cluster.kubectl("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=60s")


def new_namespace(cluster: Cluster, prefix: str) -> str:
    """A fresh ``bench-*`` namespace whose default service account exists."""
    name = f"bench-{prefix}-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    deadline = time.monotonic() + 60
    while cluster.kubectl("get", "serviceaccount", "default", "-n", name, check=False) == "":
        if time.monotonic() > deadline:
            raise RuntimeError(f"namespace {name} got no default service account in 60 s")
        time.sleep(0.2)
    return name


def delete_namespace(cluster: Cluster, namespace: str) -> None:
    """Drop the benchmarks' finalizers (the operator may be gone), then the namespace."""
    names = cluster.kubectl("get", "kob", "-n", namespace, "-o", "name", check=False).split()
    for name in names:
        cluster.kubectl(
            "patch",
            name,
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"metadata":{"finalizers":[]}}',
            check=False,
        )
    cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Operator:
    """``python -m kobench.controller`` (what ``kobench operator`` runs) watching one namespace.

    ``prelude``: Python run before the operator starts in its process (an arm that changes one
    engine plugin's attribute, say); empty for the operator as shipped."""

    cluster: Cluster
    namespace: str
    log_path: Path
    extra: Sequence[str] = ()
    prelude: str = ""
    source: Path = REPO
    """Checkout whose ``operator/`` runs (an archive of another commit, say)."""
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        args = [
            "--namespace",
            self.namespace,
            "--metrics-port",
            str(self.metrics_port),
            "--liveness-port",
            "0",
            "--log-format",
            "plain",
            *self.extra,
        ]
        if self.prelude:
            code = (
                f"{self.prelude}\nfrom kobench.controller.operator_main import main\nmain({args!r})"
            )
            command = [sys.executable, "-c", code]
        else:
            command = [sys.executable, "-m", "kobench.controller", *args]
        env = {
            **self.cluster.env,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(self.source / "operator"),
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.source
            )
        deadline = time.monotonic() + 60
        while not self._metrics_up():
            if self.process.poll() is not None:
                raise RuntimeError(f"operator exited {self.process.returncode}: {self.log()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"operator's /metrics not up in 60 s: {self.log()}")
            time.sleep(0.2)

    def _metrics_up(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=5) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the operator is not started")
        return self.process.pid

    def rss_mb(self) -> float:
        """Resident set size now (VmRSS), MiB."""
        return _status_kb(self.pid, "VmRSS") / 1024

    def peak_mb(self) -> float:
        """Highest resident set size so far (VmHWM), MiB."""
        return _status_kb(self.pid, "VmHWM") / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (``/proc/PID/stat``)."""
        text = Path(f"/proc/{self.pid}/stat").read_text()
        after_name = text.rsplit(")", 1)[1].split()
        # Fields 14 and 15 of stat(5) (utime, stime); after the name, field 3 is index 0.
        return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def benchmark(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": {"name": name}, "spec": spec}


async def api_client(cluster: Cluster) -> Any:
    await config.load_kube_config(config_file=str(cluster.kubeconfig))
    return client.ApiClient()


@dataclass
class Seen:
    """When (``time.monotonic()``) the watch first saw each thing of one benchmark."""

    phases: dict[str, float] = field(default_factory=dict)
    """First time in each phase (of the current run, see :meth:`KobWatch.forget`)."""
    conditions: dict[str, float] = field(default_factory=dict)
    """First time each condition type was True."""
    first_phase: float | None = None
    phase: str = ""
    run_nonce: str = ""
    status: dict[str, Any] = field(default_factory=dict)


class KobWatch:
    """Watches the benchmarks of a namespace and stamps every change of phase and condition on
    arrival (no polling: no load of its own on the cores it measures)."""

    def __init__(self, api: Any, namespace: str) -> None:
        self.custom = client.CustomObjectsApi(api)
        self.namespace = namespace
        self.seen: dict[str, Seen] = {}
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def forget(self, name: str) -> None:
        """Start stamping ``name`` afresh (a new run of it)."""
        self.seen.pop(name, None)

    async def _run(self) -> None:
        version = ""
        while True:
            stream = watch.Watch().stream(
                self.custom.list_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                PLURAL,
                resource_version=version or None,
                timeout_seconds=60,
            )
            try:
                async for event in stream:
                    obj = event["object"]
                    version = obj.get("metadata", {}).get("resourceVersion", version)
                    if event["type"] in ("ADDED", "MODIFIED"):
                        self._stamp(obj)
            except ApiException as exc:
                if exc.status != 410:  # 410: the version is too old; list again
                    raise
                version = ""

    def _stamp(self, obj: dict[str, Any]) -> None:
        now = time.monotonic()
        name = obj["metadata"]["name"]
        status = obj.get("status") or {}
        seen = self.seen.setdefault(name, Seen())
        seen.status = status
        phase = status.get("phase") or ""
        seen.run_nonce = str(status.get("runNonce") or "")
        if phase:
            seen.phase = phase
            seen.phases.setdefault(phase, now)
            if seen.first_phase is None:
                seen.first_phase = now
        for condition in status.get("conditions") or []:
            if condition.get("status") == "True":
                seen.conditions.setdefault(condition["type"], now)
        self.changed.set()

    async def until(self, predicate: Any, *, timeout: float, what: str) -> None:
        """Wait until ``predicate()`` holds (checked after every change seen)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), timeout=min(left, 5.0))


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-quantile (0..1) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))
    return ordered[rank]


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=1, default=str)


def archive(ref: str, into: Path) -> Path:
    """The files of commit ``ref`` (its ``operator/`` is what runs), unpacked into ``into``."""
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=tar, check=True)
    return into
