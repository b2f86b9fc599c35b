"""The end-to-end fixture: kobench installed the way a user installs it.

Once per session: the engine and kobench images are built (cached) and imported into the node's
containerd, a namespace is created with the ``restricted`` Pod Security level enforced, and the
chart is installed from ``./helm/kobench`` with the Helm that ``hack/cluster build`` made. The
operator runs in that namespace from the kobench image, with the chart's RBAC and nothing else,
watching that namespace only (so it never competes with other operators on the same cluster).

The figures each test records (phase timings) are printed at the end of the session.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from testkit.kube import KubeCluster
from tests.cluster.e2e.bench import (
    CHART,
    IMAGE_BUILD,
    KOBENCH_IMAGE_TAG,
    RESTRICTED,
    Installation,
    run,
)

TIMINGS = pytest.StashKey[list[tuple[str, dict[str, float]]]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TIMINGS] = []


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    timings = config.stash.get(TIMINGS, [])
    if not timings:
        return
    stages = ["deploy", "engine ready", "subscribed", "run", "collect", "total"]
    terminalreporter.section("kobench e2e phase timings (seconds, from kubectl apply)")
    terminalreporter.write_line(f"{'benchmark':<48}" + "".join(f"{s:>14}" for s in stages))
    for label, durations in timings:
        cells = "".join(
            f"{durations[s]:>14.1f}" if s in durations else f"{'-':>14}" for s in stages
        )
        terminalreporter.write_line(f"{label:<48}{cells}")


@pytest.fixture
def record_timing(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``record_timing(label, durations)``: shown in the session's summary."""

    def record(label: str, durations: dict[str, float]) -> None:
        request.config.stash[TIMINGS].append((label, durations))
        print(f"phase timings of {label}: {json.dumps(durations)}")

    return record


@pytest.fixture(scope="session")
def images(kube_full_node: KubeCluster) -> None:
    """The kobench image and the Redis and Valkey engine images, built from this checkout
    (cached) and imported into the node's containerd."""
    if kube_full_node.mode == "external":
        # kind and friends: the user loads the images (kind load docker-archive ...).
        return
    run([str(IMAGE_BUILD), "--import", "redis", "valkey", "kobench", "toxiproxy"], timeout=1200)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where logs of the installation are kept for a failed run."""
    return tmp_path_factory.mktemp("e2e")


@contextmanager
def installed(
    cluster: KubeCluster, artifacts: Path, release: str, *values: str
) -> Iterator[Installation]:
    """The chart installed in a new restricted namespace, watching only it; ``values`` are
    extra ``--set`` pairs. Everything goes when the block ends (unless KOBENCH_KEEP_E2E=1)."""
    namespace = f"kobench-e2e-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", namespace)
    cluster.kubectl(
        "label", "namespace", namespace, "--overwrite", *(f"{k}={v}" for k, v in RESTRICTED.items())
    )
    cluster.kubectl(
        "wait",
        "--for=jsonpath={.metadata.name}=default",
        "-n",
        namespace,
        "serviceaccount/default",
        "--timeout=60s",
        check=False,
    )
    install = Installation(cluster, namespace, release)
    started = time.monotonic()
    sets = [f"image.tag={KOBENCH_IMAGE_TAG}", "scope.clusterWide=false"]
    sets += [f"scope.namespaces={{{namespace}}}", *values]
    install.helm(
        "install",
        release,
        str(CHART),
        "--namespace",
        namespace,
        *(a for pair in sets for a in ("--set", pair)),
        "--wait",
        "--timeout",
        "180s",
    )
    install.operator_pod()
    print(f"helm install {release} + operator ready: {time.monotonic() - started:.1f}s")
    try:
        yield install
    finally:
        (artifacts / f"operator-{release}.log").write_text(install.operator_logs())
        (artifacts / f"events-{release}.json").write_text(
            install.kubectl("get", "events", "-n", namespace, "-o", "json", check=False).stdout
        )
        if os.environ.get("KOBENCH_KEEP_E2E") != "1":
            # Benchmarks go first, while the operator still runs and removes its finalizer.
            install.kubectl(
                "delete", "kob", "--all", "-n", namespace, "--timeout=60s", check=False, timeout=90
            )
            install.helm(
                "uninstall", release, "--namespace", namespace, "--wait", check=False, timeout=120
            )
            cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


@pytest.fixture(scope="session")
def installation(
    kube_full_node: KubeCluster, images: None, artifacts: Path
) -> Iterator[Installation]:
    with installed(kube_full_node, artifacts, "e2e") as install:
        yield install


@pytest.fixture(scope="module", autouse=True)
def _benchmarks_deleted_after_each_module(installation: Installation) -> Iterator[None]:
    """A module's benchmarks go when it ends, while the operator still runs (so its finalizer
    is removed): later tiers of the same session may start a cluster-wide operator."""
    yield
    if os.environ.get("KOBENCH_KEEP_E2E") != "1":
        installation.kubectl(
            "delete",
            "kob",
            "--all",
            "-n",
            installation.namespace,
            "--timeout=90s",
            check=False,
            timeout=120,
        )
