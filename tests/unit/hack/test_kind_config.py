"""``kind-config.yaml`` as kind itself reads it: kind's own loader (strict decoding, defaults,
validation) through ``hack/kind-check``, which ``hack/cluster build`` builds into the cache.

A field kind does not know, or a value it refuses, must fail here rather than in a user's
``kind create cluster --config kind-config.yaml``.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from testkit.support import REPO

KIND_CONFIG = REPO / "kind-config.yaml"


def kind_check_binary() -> Path:
    """The cache's build, at the version hack/lib/common.sh pins; missing fails, never skips."""
    common = (REPO / "hack" / "lib" / "common.sh").read_text()
    found = re.search(r"^KIND_VERSION=(v[0-9.]+)", common, re.MULTILINE)
    assert found, "hack/lib/common.sh sets no KIND_VERSION"
    cache = Path(os.environ.get("KOBENCH_CACHE", "/var/cache/kobench"))
    binary = cache / "bin" / f"kind-check-{found.group(1)}" / "kind-check"
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} is missing: run hack/cluster build", pytrace=False)
    return binary


def kind_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(kind_check_binary()), str(path)], capture_output=True, text=True, timeout=60
    )


def test_the_repository_kind_config_loads_in_kind() -> None:
    done = kind_check(KIND_CONFIG)
    assert done.returncode == 0, done.stderr
    assert "valid kind configuration" in done.stdout


def test_kind_pins_the_version_the_build_uses() -> None:
    common = (REPO / "hack" / "lib" / "common.sh").read_text()
    version = re.search(r"^KIND_VERSION=(\S+)", common, re.MULTILINE)
    go_mod = (REPO / "hack" / "kind-check" / "go.mod").read_text()
    assert version and f"sigs.k8s.io/kind {version.group(1)}\n" in go_mod


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
