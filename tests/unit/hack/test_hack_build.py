"""hack/cluster fails loudly: a failed build step stops the build and leaves no marker, so the
next build does the step again instead of saying "cached".

``hack/cluster build`` runs for real against a temporary cache, with a stand-in ``go`` first on
PATH (the one fake here, named as such: building Kubernetes takes twenty minutes). The
stand-in fails, or writes an empty executable for each command it is asked to build.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from testkit.support import REPO

REPO_DIR = REPO
HACK_CLUSTER = REPO_DIR / "hack" / "cluster"

# Stand-in for `go build -o OUT PKG...` and `GOBIN=DIR go install PKG@V`; logs each call.
FAKE_GO = r"""#!/usr/bin/env python3
import os, sys
from pathlib import Path
with open(os.environ["FAKE_GO_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\n")
if os.environ.get("FAKE_GO_FAIL") in sys.argv[1:] or os.environ.get("FAKE_GO_FAIL") == "all":
    sys.exit("fake go: build failed")
args, out, pkgs = iter(sys.argv[2:]), None, []
for a in args:
    if a in ("-o", "-ldflags", "-tags"):
        value = next(args)
        out = value if a == "-o" else out
    elif not a.startswith("-"):
        pkgs.append(a)
targets = []
for p in pkgs:
    base = Path(p.split("@")[0]).name
    names = ["server", "cli"] if base == "..." else [base]
    if out is None:
        targets += [Path(os.environ["GOBIN"]) / n for n in names]
    else:
        targets += [Path(out) / n for n in names] if out.endswith("/") else [Path(out)]
for t in targets:
    t.write_text("#!/bin/sh\n")
    t.chmod(0o755)
"""


def hack_build(tmp_path: Path, *, fail: str | None) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir(exist_ok=True)
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "KOBENCH_CACHE": str(tmp_path / "cache"),
        "FAKE_GO_LOG": str(tmp_path / "go.log"),
        "FAKE_GO_FAIL": fail or "",
    }
    return subprocess.run(
        [str(HACK_CLUSTER), "build"], capture_output=True, text=True, env=env, timeout=120
    )


def markers(tmp_path: Path) -> list[str]:
    bin_root = tmp_path / "cache" / "bin"
    return sorted(p.parent.name for p in bin_root.glob("*/.complete"))


def go_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "go.log"
    return log.read_text().splitlines() if log.exists() else []


ALL_TOOLS = [
    "coredns-v1.14.7",
    "etcd-v3.6.16",
    "helm-v3.19.5",
    "k8s-v1.34.4",
    "kind-check-v0.33.0",
    "prometheus-v0.316.0",
    "toxiproxy-v2.5.0",
]


def test_a_failed_go_build_writes_no_marker_and_fails_the_build(tmp_path: Path) -> None:
    result = hack_build(tmp_path, fail="all")

    assert result.returncode != 0, result.stderr
    assert markers(tmp_path) == []
    assert "FAILED (exit 1)" in result.stderr
    # The first failed step stopped the build: nothing after etcd was started in the foreground.
    assert not any("k8s.io/kubernetes/cmd" in call for call in go_calls(tmp_path))


def test_a_failure_in_the_background_tools_fails_the_build(tmp_path: Path) -> None:
    # The Prometheus build runs beside Kubernetes's; its failure must not be lost.
    result = hack_build(tmp_path, fail="github.com/prometheus/prometheus/cmd/prometheus@v0.316.0")

    assert result.returncode != 0, result.stderr
    assert "prometheus-v0.316.0" not in markers(tmp_path)


def test_a_build_after_a_failure_builds_again_then_is_cached(tmp_path: Path) -> None:
    hack_build(tmp_path, fail="all")

    built = hack_build(tmp_path, fail=None)
    assert built.returncode == 0, built.stderr
    assert markers(tmp_path) == ALL_TOOLS
    cache = tmp_path / "cache" / "bin"
    assert (cache / "etcd-v3.6.16" / ".complete").read_text() == "-s -w\n"
    assert (cache / "toxiproxy-v2.5.0" / "toxiproxy-server").is_file()
    assert (cache / "toxiproxy-v2.5.0" / "toxiproxy-cli").is_file()
    assert not list(cache.glob("*/.complete.tmp.*"))

    calls_before = len(go_calls(tmp_path))
    again = hack_build(tmp_path, fail=None)
    assert again.returncode == 0, again.stderr
    assert len(go_calls(tmp_path)) == calls_before
    assert again.stderr.count("cached in") == len(ALL_TOOLS)


@pytest.mark.parametrize("name", ["toxiproxy-server", "etcd"])
def test_a_marker_whose_binary_is_gone_builds_again(tmp_path: Path, name: str) -> None:
    assert hack_build(tmp_path, fail=None).returncode == 0
    binary = next((tmp_path / "cache" / "bin").glob(f"*/{name}"))
    binary.unlink()

    again = hack_build(tmp_path, fail=None)

    assert again.returncode == 0, again.stderr
    assert binary.is_file()


def test_shellcheck_passes_on_every_hack_script() -> None:
    scripts = [
        REPO_DIR / "hack" / "cluster",
        REPO_DIR / "hack" / "images" / "build",
        *sorted((REPO_DIR / "hack" / "lib").glob("*.sh")),
        REPO_DIR / ".ci" / "run",
    ]
    result = subprocess.run(
        ["shellcheck", "-x", *map(str, scripts)],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout
