"""``kobench role target-open`` and ``target-close`` as the operator's pods run them: separate
processes, the password only in KOBENCH_PASSWORD, TLS and the ACL user from the run's
configuration file. The opening finds the roles and writes nothing; the cleanup, in a process
of its own, removes what lies under the run's prefix and counts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.engine.target.tls_servers import Deployment

from kobench.api import parse_spec
from kobench.api.target_status import TargetStatus
from kobench.measure.results.target_docs import TargetRecord
from kobench.plugins.connections import Access
from kobench.roles.role_config import PASSWORD_ENV, RESULT_MARKER, Endpoint, RoleConfig


def role(name: str, config: Path, password: str, *extra: str) -> str:
    env = {**os.environ, PASSWORD_ENV: password}
    done = subprocess.run(
        [sys.executable, "-m", "kobench", "role", name, "--config", str(config), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert password not in done.stdout + done.stderr
    (line,) = [x for x in done.stdout.splitlines() if x.startswith(RESULT_MARKER)]
    return line.removeprefix(RESULT_MARKER)


def test_the_opening_and_the_cleanup_run_as_processes_of_their_own(
    deploy: Callable[..., Deployment], tmp_path: Path
) -> None:
    deployment = deploy("redis-server")
    endpoints = [f"rediss://127.0.0.1:{port}" for port in deployment.ports]
    spec = parse_spec({"target": {"endpoints": endpoints, "auth": {"username": "kobench"}}})
    config = RoleConfig(
        run_id="roles-1",
        spec=spec,
        endpoints=[Endpoint(host="127.0.0.1", port=port) for port in deployment.ports],
        access=Access(username="kobench", tls=True, ca_file=str(deployment.ca)),
    )
    path = tmp_path / "run.json"
    path.write_text(config.to_json())
    found = TargetStatus.model_validate_json(role("target-open", path, deployment.password))
    assert found.refused is None, found.refused
    assert (found.roles, found.write_endpoint, found.observe_endpoint) == (
        ["primary", "replica"],
        0,
        1,
    )
    assert found.engine == "redis" and found.key_prefix == "kobench:roles-1:"
    with deployment.admin(0) as admin:
        assert admin.dbsize() == 0, "the opening wrote nothing that stayed"
        admin.set(f"{found.key_prefix}w:1", b"x", ex=60)
        admin.set("app:key", b"mine")
    opened = tmp_path / "opened.json"
    opened.write_text(found.model_dump_json(by_alias=True))
    closing = role("target-close", path, deployment.password, "--opened", str(opened))
    record = TargetRecord.model_validate_json(closing)
    assert (record.keys_removed, record.keys_left, record.cleanup_error) == (1, 0, None)
    with deployment.admin(0) as admin:
        assert admin.keys("*") == [b"app:key"], "only the run's keys went"
    assert json.loads(closing)["tls"] is True
