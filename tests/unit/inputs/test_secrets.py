"""The engine password is never on a command line: not in a manifest's args, command or env
values. (Real processes are checked in ``tests/engine/local/test_local_secrets.py``.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from testkit.corpus.passwords import HOSTILE

from kobench.api import parse_spec
from kobench.plugins.engines import get_engine
from kobench.run.pods import engine_manifests as engine
from kobench.run.pods import role_manifests as roles
from kobench.run.pods.manifest_parts import Owner, RoleOptions
from kobench.run.pods.pod_names import RunNames, run_id_for

NAMES = RunNames("bench", run_id_for("uid", "", 1))
OWNER = Owner(name="bench", namespace="ns", uid="uid")


def containers(manifest: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = manifest["spec"]
    pod = spec["template"]["spec"] if "template" in spec else spec
    yield from pod.get("initContainers", [])
    yield from pod["containers"]


@pytest.mark.parametrize("engine_type", ["keydb", "redis", "valkey"])
def test_no_manifest_carries_the_password_outside_its_secret(engine_type: str) -> None:
    spec = parse_spec({"engine": {"type": engine_type, "replicas": 3}})
    plugin = get_engine(engine_type)
    options = RoleOptions()
    children = [
        engine.build_engine_config(NAMES, OWNER, spec, plugin),
        engine.build_statefulset(NAMES, OWNER, spec, plugin, options),
        roles.build_writer_pod(NAMES, OWNER, spec, 0, options),
        *(
            roles.build_observer_pod(NAMES, OWNER, spec, observer, 0, options)
            for observer in spec.observers
        ),
    ]
    secret = engine.build_secret(NAMES, OWNER, HOSTILE)
    assert HOSTILE not in str(children)
    for child in children[1:]:
        for container in containers(child):
            words = [*container.get("command", []), *container.get("args", [])]
            for probe in ("readinessProbe", "livenessProbe"):
                words += container.get(probe, {}).get("exec", {}).get("command", [])
            flags = [w for w in words if re.search(r"--requirepass|--masterauth|\s-a\s", w)]
            assert flags == [], "a password flag on a command line"
            for line in "\n".join(words).splitlines():
                if line.lstrip().startswith(("exec", "redis-cli", "keydb-cli", "valkey-cli")):
                    assert "PASSWORD" not in line and "REDISCLI_AUTH" not in line, line
            for variable in container.get("env", []):
                if "PASSWORD" in variable["name"] or "AUTH" in variable["name"]:
                    assert "value" not in variable, variable
                    ref = variable["valueFrom"]["secretKeyRef"]
                    assert ref == {"name": secret["metadata"]["name"], "key": "password"}
