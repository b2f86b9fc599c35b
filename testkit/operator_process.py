"""The operator as a local subprocess against a cluster, watching one namespace.

Kubelet-less (the default, as the control-plane tests and ``benchmarks/operator_scale.py`` run
it): ``python -m testkit.kubeletless_operator``, whose pods get a scheduler name no scheduler
serves, so no kubelet runs them and the test plays the kubelet (:mod:`testkit.fake_kubelet`).
Otherwise ``kobench operator`` as shipped, with real pods.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from testkit.kube import KubeCluster
from testkit.support import REPO, free_port, wait_for

UNSCHEDULED = "kobench-test-unscheduled"
"""The pods' scheduler name when kubelet-less: no scheduler places them, so no kubelet (when the
cluster has a node) runs them."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class OperatorProcess:
    """An operator watching ``namespace``; ``extra``: more ``kobench operator`` options."""

    cluster: KubeCluster
    namespace: str
    log_path: Path
    extra: Sequence[str] = ()
    kubeletless: bool = True
    prelude: str = ""
    """Python run in the operator's process before it starts (an arm that changes one engine
    plugin's attribute, say); empty for the operator as shipped."""
    source: Path = REPO
    """Checkout whose ``operator/`` runs (an archive of another commit, say)."""
    start_timeout: float = 30
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        args = [
            "--namespace",
            self.namespace,
            "--metrics-port",
            str(self.metrics_port),
            "--liveness-port",
            "0",
            "--log-format",
            "plain",
            *(["--scheduler-name", UNSCHEDULED] if self.kubeletless else []),
            *self.extra,
        ]
        if self.kubeletless:
            entry, module = "testkit.kubeletless_operator", ["-m", "testkit.kubeletless_operator"]
        else:
            entry, module = "kobench.controller.operator_main", ["-m", "kobench", "operator"]
        if self.prelude:
            code = f"{self.prelude}\nfrom {entry} import main\nmain({args!r})"
            return [sys.executable, "-c", code]
        return [sys.executable, *module, *args]

    def start(self) -> None:
        # The checkout's operator first; this checkout's testkit after it.
        path = os.pathsep.join([str(self.source / "operator"), str(REPO), *python_path()])
        env = {**self.cluster.env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": path}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=self.source
            )
        wait_for("the operator's /metrics", self._metrics_up, timeout=self.start_timeout)

    def _metrics_up(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(f"operator exited {self.process.returncode}:\n{self.log()}", pytrace=False)
        try:
            self.metrics()
        except OSError:
            return False
        return True

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.read().decode())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-8000:]

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the operator is not started")
        return self.process.pid

    def rss_mb(self) -> float:
        """Resident set size now (VmRSS), MiB."""
        return self._status_kb("VmRSS") / 1024

    def peak_mb(self) -> float:
        """Highest resident set size so far (VmHWM), MiB."""
        return self._status_kb("VmHWM") / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (``/proc/PID/stat``)."""
        text = Path(f"/proc/{self.pid}/stat").read_text()
        after_name = text.rsplit(")", 1)[1].split()
        # Fields 14 and 15 of stat(5) (utime, stime); after the name, field 3 is index 0.
        return (int(after_name[11]) + int(after_name[12])) / CLOCK_TICKS

    def _status_kb(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
        raise RuntimeError(f"no {key} in /proc/{self.pid}/status")


def python_path() -> list[str]:
    """This process' ``PYTHONPATH`` entries."""
    return [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
