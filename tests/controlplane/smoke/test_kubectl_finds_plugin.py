"""kubectl's own plugin mechanism finds ``kubectl-kobench`` (the kubectl that hack/cluster
builds; no cluster needed for ``--dry-run``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from testkit.cached_tools import cached_tool
from testkit.support import REPO

QUICKSTART = REPO / "examples" / "quickstart.yaml"


def test_the_real_kubectl_finds_and_runs_the_plugin(tmp_path: Path) -> None:
    """kubectl's own plugin mechanism (a ``kubectl-kobench`` on PATH), no cluster needed for
    ``--dry-run``; the executable is what pip's console-script entry does."""
    kubectl = cached_tool("k8s", "K8S_VERSION", "kubectl")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    plugin = bin_dir / "kubectl-kobench"
    plugin.write_text(
        f"#!{sys.executable}\nimport sys\nfrom kobench.present.kubectl_plugin import main\n"
        "sys.exit(main())\n"
    )
    plugin.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(REPO / "operator"), str(REPO)]),
        "KUBECONFIG": str(tmp_path / "no-kubeconfig"),
    }

    def kubectl_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(kubectl), *args], capture_output=True, text=True, env=env, timeout=60
        )

    listed = kubectl_run("plugin", "list")
    assert str(plugin) in listed.stdout, listed.stderr
    dry = kubectl_run("kobench", "run", "--dry-run", str(QUICKSTART))
    assert dry.returncode == 0, dry.stderr
    assert yaml.safe_load(dry.stdout)["metadata"]["name"] == "quickstart"
    assert kubectl_run("kobench", "--version").stdout.startswith("kubectl-kobench ")
