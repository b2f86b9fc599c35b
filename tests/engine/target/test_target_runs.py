"""kobench measures a deployment the user already runs (``spec.target``): a redis-server or
valkey-server primary and replica the test starts with TLS only and an ACL user holding exactly
the documented permissions. The figures come out right, no key is left, the configuration is
unchanged, the password is on no command line and in no output, a missing permission is refused
before anything is written, and a Ctrl-C still removes the run's keys."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.engine.running_cli import RunningBenchmark
from tests.engine.target.tls_servers import (
    MINIMAL_ACL,
    SERVERS,
    Deployment,
    Start,
    configuration,
    every_pid,
    never_sent_but_seen,
    target_spec,
)


def command_lines() -> list[bytes]:
    lines = []
    for pid in every_pid():
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            continue
    return lines


def run_until_done(running: RunningBenchmark) -> tuple[int, str, list[bytes]]:
    """Exit status, output, and every command line seen on the machine while it ran."""
    seen: list[bytes] = []
    while running.process.poll() is None:
        seen += command_lines()
        time.sleep(0.3)
    code, out = running.finish()
    return code, out, seen


@pytest.mark.parametrize("binary", SERVERS)
def test_a_tls_acl_target_is_measured_and_left_as_found(
    binary: str,
    deploy: Callable[..., Deployment],
    start: Start,
) -> None:
    deployment = deploy(binary)
    before = configuration(deployment)
    for index in range(2):
        with deployment.admin(index) as admin:
            admin.config_resetstat()
            server = admin.info("server")
    for mode in ("unique", "shared"):
        running = start(f"target-{mode}", target_spec(deployment), mode)
        code, out, seen = run_until_done(running)
        assert code == 0, out
        result = json.loads(running.output.read_text())
        engine = "valkey" if binary == "valkey-server" else "redis"
        version = server.get(f"{engine}_version", server["redis_version"])
        assert (result["engine"]["type"], result["engine"]["version"]) == (
            engine,
            f"{engine} {version}",
        )
        sent = result["writers"]["sent"]
        assert sent == 300  # 200/s for 1.5 s, the warm-up apart
        for observer in result["observers"]:  # both listened on the replica, through TLS
            assert (observer["targetReplica"], observer["received"], observer["missed"]) == (
                1,
                sent,
                0,
            )
            assert 0 < observer["latencyMs"]["p50"] < 50
        target = result["target"]
        assert (target["roles"], target["writeEndpoint"], target["observeEndpoint"]) == (
            ["primary", "replica"],
            0,
            1,
        )
        assert (target["tls"], target["tlsVerified"], target["username"]) == (True, True, "kobench")
        assert target["keysRemoved"] >= sent and target["keysLeft"] == 0
        assert "rate limit: 1000 writes/s in total" in out
        for index in range(2):
            with deployment.admin(index) as admin:
                assert admin.dbsize() == 0, f"server {index} kept keys"
        secret = deployment.password.encode()
        assert not [line for line in seen if secret in line], "the password is on a command line"
        assert deployment.password not in out + running.output.read_text()
    assert configuration(deployment) == before
    assert never_sent_but_seen(deployment) == {}  # no FLUSH*, CONFIG SET, DEBUG, CLIENT PAUSE


@pytest.mark.parametrize(
    ("missing", "instead", "named"),
    [
        (" +subscribe", "", "may not SUBSCRIBE __keyevent@0__:set"),
        (" +unlink", "", "may not UNLINK keys kobench:refused-"),
        ("~kobench:*", "~app:*", "may not GET keys kobench:refused-"),
    ],
)
def test_a_missing_permission_is_refused_before_anything_is_written(
    missing: str, instead: str, named: str, deploy: Callable[..., Deployment], start: Start
) -> None:
    deployment = deploy("redis-server", acl=MINIMAL_ACL.replace(missing, instead))
    with deployment.admin(0) as admin:
        admin.config_resetstat()
    code, out = start("refused", target_spec(deployment)).finish()
    assert code != 0
    assert named in out and "nothing was written" in out, out
    with deployment.admin(0) as admin:
        stats = admin.info("commandstats")
        writes = ("cmdstat_set", "cmdstat_unlink")
        written = {k for k in writes if int(stats.get(k, {}).get("calls", 0))}  # refused: no call
        assert (written, admin.dbsize()) == (set(), 0)
    assert deployment.password not in out


def test_missing_notification_flags_are_refused_and_the_configuration_left_alone(
    deploy: Callable[..., Deployment],
    start: Start,
) -> None:
    deployment = deploy("valkey-server")
    for index in range(2):
        with deployment.admin(index) as admin:
            admin.config_set("notify-keyspace-events", "")
    before = configuration(deployment)
    code, out = start("flags", target_spec(deployment)).finish()
    assert code != 0
    port = deployment.ports[0]
    assert f"a SET under the run's prefix raised no event on 127.0.0.1:{port}" in out, out
    assert "CONFIG SET notify-keyspace-events KE$" in out and "allowConfigChange" in out
    assert configuration(deployment) == before
    with deployment.admin(0) as admin:
        assert admin.dbsize() == 0


def test_ctrl_c_mid_run_still_removes_the_keys(
    deploy: Callable[..., Deployment],
    start: Start,
) -> None:
    deployment = deploy("redis-server")
    running = start("interrupted", target_spec(deployment), seconds=30)
    running.wait_for_children("role writer", 1, timeout=30)
    with deployment.admin(0) as admin:
        deadline = time.monotonic() + 10
        while admin.dbsize() < 100 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert admin.dbsize() >= 100, "the writer never wrote"
        running.interrupt()
        code, out = running.finish(timeout=30)
        assert code != 0
        assert "0 left" in out, out
        assert admin.dbsize() == 0
    assert not running.leftovers()


def test_a_failed_run_still_removes_the_keys(
    deploy: Callable[..., Deployment],
    start: Start,
) -> None:
    """The run's time limit ends it while the writer still writes: it fails, keys removed."""
    deployment = deploy("redis-server")
    running = start("failed", target_spec(deployment), seconds=30, timeouts={"runSeconds": 3})
    code, out = running.finish()
    assert code != 0 and "stopped at the run's time limit" in out, out
    result = json.loads(running.output.read_text())
    target = result["target"]
    assert result["verdict"] == "Failed"
    assert target["keysRemoved"] > 100 and target["keysLeft"] == 0  # the writer had written
    with deployment.admin(0) as admin:
        assert admin.dbsize() == 0


def test_the_minimal_acl_is_the_documented_one() -> None:
    guide = Path(__file__).parents[3] / "docs" / "guides" / "own-deployment.md"
    assert MINIMAL_ACL in guide.read_text(), "the guide's ACL and the tested one differ"


def test_a_server_certificate_from_another_ca_is_refused(
    deploy: Callable[..., Deployment],
    start: Start,
) -> None:
    """Verification is on by default: a CA that did not sign the server's certificate fails."""
    deployment = deploy("redis-server")
    other = deploy("redis-server", name="other")
    spec = target_spec(deployment)
    spec["tls"] = {"caFile": str(other.ca)}
    code, out = start("unverified", spec).finish()
    assert code != 0 and "certificate verify failed" in out, out
    with deployment.admin(0) as admin:
        assert admin.dbsize() == 0
