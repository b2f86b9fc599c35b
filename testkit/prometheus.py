"""A real Prometheus (built by hack/ from its Go module) on loopback, scraping given targets.

``KOBENCH_PROMETHEUS`` names the binary (default: hack's cache). A missing binary fails the
test with how to get it, never skips it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from testkit.support import free_port, wait_for

DEFAULT_BINARY = "/var/cache/kobench/bin/prometheus-v0.316.0/prometheus"
SCRAPE_INTERVAL = "1s"


def binary() -> Path:
    path = Path(os.environ.get("KOBENCH_PROMETHEUS", DEFAULT_BINARY))
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"Prometheus not found at {path}: build it with hack/ (or set KOBENCH_PROMETHEUS)",
            pytrace=False,
        )
    return path


@dataclass(frozen=True)
class Prometheus:
    url: str
    log: Path

    def api(self, path: str, **params: str | list[str]) -> Any:
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as answer:
            body = json.loads(answer.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The instant vector (or scalar) an expression evaluates to now."""
        data = self.api("query", query=expr, time=f"{time.time():.3f}")
        if data["resultType"] in {"scalar", "string"}:
            return [{"value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def query_at(self, expr: str, when: float) -> list[dict[str, Any]]:
        """The instant vector an expression evaluates to at ``when`` (Unix time; a time ahead
        of now sees the latest samples, as long as they are within the lookback)."""
        result: list[dict[str, Any]] = self.api("query", query=expr, time=f"{when:.3f}")["result"]
        return result

    def firing(self) -> set[tuple[str, str]]:
        """(alert name, benchmark) of the alerts firing now."""
        alerts = self.api("alerts")["alerts"]
        return {
            (a["labels"]["alertname"], a["labels"].get("benchmark", ""))
            for a in alerts
            if a["state"] == "firing"
        }

    def targets_up(self) -> bool:
        active = self.api("targets")["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)


def static_job(targets: list[str]) -> dict[str, Any]:
    """One job on /metrics of fixed ``host:port`` targets."""
    return {"job_name": "kobench", "static_configs": [{"targets": targets}]}


@contextmanager
def running(
    targets: list[str], work: Path, rules: dict[str, Any] | None = None
) -> Iterator[Prometheus]:
    """Prometheus scraping ``targets`` (host:port) every second until the block ends;
    ``rules``: a rule file's content (``groups``), evaluated every second too."""
    with scraping([static_job(targets)], work, rules) as prometheus:
        yield prometheus


@contextmanager
def scraping(
    jobs: list[dict[str, Any]], work: Path, rules: dict[str, Any] | None = None
) -> Iterator[Prometheus]:
    """Prometheus with these scrape configs, every second, until the block ends (a rule file
    it cannot load stops it at start-up: the test fails with its log)."""
    work.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": SCRAPE_INTERVAL},
        "scrape_configs": jobs,
    }
    if rules is not None:
        (work / "rules.yml").write_text(yaml.safe_dump(rules))
        config["rule_files"] = [str(work / "rules.yml")]
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = work / "prometheus.log"
    command = [
        str(binary()),
        f"--config.file={work / 'prometheus.yml'}",
        f"--storage.tsdb.path={work / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    prometheus = Prometheus(f"http://127.0.0.1:{port}", log)
    try:

        def ready() -> bool:
            if process.poll() is not None:
                pytest.fail(f"prometheus exited:\n{log.read_text()[-4000:]}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{prometheus.url}/-/ready", timeout=2) as answer:
                    return bool(answer.status == 200)
            except OSError:
                return False

        wait_for("Prometheus ready", ready, timeout=60)
        wait_for("every target scraped and up", prometheus.targets_up, timeout=60)
        yield prometheus
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
