"""``kind-config.yaml`` as kind itself reads it: kind's own loader (strict decoding, defaults,
validation) through ``hack/kind-check``, which ``hack/cluster build`` builds into the cache.

A field kind does not know, or a value it refuses, must fail here rather than in a user's
``kind create cluster --config kind-config.yaml``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from testkit.cached_tools import cached_tool, pinned_version
from testkit.support import REPO

KIND_CONFIG = REPO / "kind-config.yaml"


def kind_check(path: Path) -> subprocess.CompletedProcess[str]:
    binary = cached_tool("kind-check", "KIND_VERSION", "kind-check")
    return subprocess.run([str(binary), str(path)], capture_output=True, text=True, timeout=60)


def test_the_repository_kind_config_loads_in_kind() -> None:
    done = kind_check(KIND_CONFIG)
    assert done.returncode == 0, done.stderr
    assert "valid kind configuration" in done.stdout


def test_kind_pins_the_version_the_build_uses() -> None:
    go_mod = (REPO / "hack" / "kind-check" / "go.mod").read_text()
    assert f"sigs.k8s.io/kind {pinned_version('KIND_VERSION')}\n" in go_mod


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (("- role: worker", "- rol: worker"), "field rol not found in type v1alpha4.Node"),
        (("name: kobench", "nmae: kobench"), "field nmae not found in type v1alpha4.Cluster"),
        (("- role: control-plane", "- role: controller"), '"controller" is not a valid node role'),
    ],
)
def test_a_field_or_value_kind_does_not_know_fails(
    tmp_path: Path, change: tuple[str, str], named: str
) -> None:
    text = KIND_CONFIG.read_text()
    assert change[0] in text
    copy = tmp_path / "kind-config.yaml"
    copy.write_text(text.replace(change[0], change[1], 1))

    done = kind_check(copy)

    assert done.returncode == 1
    assert named in done.stderr and str(copy) in done.stderr
