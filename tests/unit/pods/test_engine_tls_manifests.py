"""``spec.engine.tls`` in a cluster, as data: the run's Secret, the engine's TLS-only arguments
(KeyDB's active replicas included: KeyDB cannot run here, so its exact arguments are checked),
the files each pod mounts, and the certificate verified with Python's own ssl module."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import ssl
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from kobench.api import BenchmarkSpec, parse_spec
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import RoleConfig
from kobench.run.pods import engine_manifests as engine
from kobench.run.pods import engine_tls
from kobench.run.pods import role_manifests as roles
from kobench.run.pods.engine_certificates import make_material
from kobench.run.pods.manifest_parts import Owner, RoleOptions
from kobench.run.pods.pod_names import RUN_LABEL, RunNames
from kobench.run.spec_check import spec_problems

OWNER = Owner(name="bench", namespace="ns", uid="1234")
NAMES = RunNames("bench", "0123456789")
NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def tls_spec(engine_type: str, replicas: int = 3) -> BenchmarkSpec:
    return parse_spec({"engine": {"type": engine_type, "replicas": replicas, "tls": True}})


def test_the_operator_runs_own_engines_with_tls() -> None:
    assert spec_problems({"engine": {"tls": True}}, reads="configMaps") == []
    assert spec_problems({"matrix": {"tls": [False, True]}}, reads="configMaps") == []


def test_keydb_active_replicas_get_tls_after_their_mesh_arguments() -> None:
    spec = tls_spec("keydb")
    config = engine.build_engine_config(NAMES, OWNER, spec, get_engine("keydb"))
    args = config["data"]["args-1"].splitlines()
    host = NAMES.engine_host
    assert args == [
        "--port", "6379",
        "--save", "",
        "--appendonly", "no",
        "--protected-mode", "no",
        "--notify-keyspace-events", "KE$",
        "--repl-diskless-sync-delay", "0",
        "--repl-timeout", "6",
        "--repl-ping-replica-period", "1",
        "--server-threads", "1",
        "--active-replica", "yes",
        "--multi-master", "yes",
        "--replicaof", host(0), "6379",
        "--replicaof", host(2), "6379",
        "--port", "0",
        "--tls-port", "6379",
        "--tls-cert-file", "/etc/kobench-tls/tls.crt",
        "--tls-key-file", "/etc/kobench-tls/tls.key",
        "--tls-ca-cert-file", "/etc/kobench-tls/ca.crt",
        "--tls-auth-clients", "no",
        "--tls-replication", "yes",
    ]  # fmt: skip
    plain = engine.build_engine_config(
        NAMES, OWNER, parse_spec({"engine": {"replicas": 3}}), get_engine("keydb")
    )
    assert "tls" not in str(plain["data"])


@pytest.mark.parametrize("engine_type", ["keydb", "redis", "valkey"])
def test_the_engine_pod_mounts_its_certificate_and_probes_with_tls(engine_type: str) -> None:
    plugin = get_engine(engine_type)
    sts = engine.build_statefulset(NAMES, OWNER, tls_spec(engine_type), plugin, RoleOptions())
    pod = sts["spec"]["template"]["spec"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == engine_tls.VOLUME]
    assert volume["secret"]["secretName"] == NAMES.tls_secret == "bench-012345-tls"
    assert [i["key"] for i in volume["secret"]["items"]] == ["ca.crt", "tls.crt", "tls.key"]
    assert volume["secret"]["defaultMode"] == 0o440  # the engine's own group (fsGroup)
    container = pod["containers"][0]
    mount = {"name": engine_tls.VOLUME, "mountPath": "/etc/kobench-tls", "readOnly": True}
    assert mount in container["volumeMounts"]
    probe = container["readinessProbe"]["exec"]["command"][2]
    cli = engine.cli_for(plugin)
    assert f"{cli} -p 6379 --tls --cacert /etc/kobench-tls/ca.crt ping" in probe
    assert probe.count("--tls --cacert") == 2  # PING and INFO replication
    assert "tls" not in str(container["command"])  # the launcher reads the arguments file


def test_role_pods_mount_only_the_ca_and_verify_it() -> None:
    spec = tls_spec("redis", replicas=2)
    pods = [
        roles.build_observer_pod(NAMES, OWNER, spec, spec.observers[0], 0, RoleOptions()),
        roles.build_writer_pod(NAMES, OWNER, spec, 0, RoleOptions()),
        roles.build_faults_pod(NAMES, OWNER, spec, RoleOptions()),
        roles.build_probe_pod(NAMES, OWNER, spec, RoleOptions()),
    ]
    for pod in pods:
        (volume,) = [v for v in pod["spec"]["volumes"] if v["name"] == engine_tls.VOLUME]
        assert volume["secret"]["items"] == [{"key": "ca.crt", "path": "ca.crt"}]  # no key
        mounts = pod["spec"]["containers"][0]["volumeMounts"]
        assert {"name": engine_tls.VOLUME, "mountPath": "/etc/kobench-tls", "readOnly": True} in (
            mounts
        )
    config = roles.build_run_config(NAMES, OWNER, spec)
    access = RoleConfig.model_validate_json(config["data"]["run.json"]).access
    assert access.tls and access.verify and access.ca_file == "/etc/kobench-tls/ca.crt"
    assert access.server_name is None  # the host dialled is a name the certificate holds
    plain = parse_spec({"engine": {"type": "redis", "replicas": 2}})
    writer = roles.build_writer_pod(NAMES, OWNER, plain, 0, RoleOptions())
    assert engine_tls.VOLUME not in str(writer)
    assert not RoleConfig.model_validate_json(
        roles.build_run_config(NAMES, OWNER, plain)["data"]["run.json"]
    ).access.tls


def test_the_certificate_names_every_host_a_role_or_peer_dials() -> None:
    hosts = engine_tls.server_names(NAMES, tls_spec("keydb", replicas=2), "ns")
    for index in range(2):
        service = NAMES.engine_host(index)
        assert {service, f"{service}.ns", f"{service}.ns.svc"} <= set(hosts)
        record = f"{NAMES.engine_pod(index)}.{NAMES.service}"
        assert {record, f"{record}.ns.svc"} <= set(hosts)
    assert hosts[-2:] == ["localhost", "127.0.0.1"]
    assert len(hosts) == len(set(hosts))


def _decoded(secret: dict[str, Any], key: str) -> bytes:
    return base64.b64decode(secret["data"][key])


def test_the_secret_holds_a_ca_that_verifies_the_server(tmp_path: Path) -> None:
    hosts = engine_tls.server_names(NAMES, tls_spec("valkey", replicas=2), "ns")
    material = make_material(hosts, now=NOW, run_id=NAMES.run_id)
    secret = engine_tls.build_tls_secret(NAMES, OWNER, material)
    assert secret["type"] == "kubernetes.io/tls"
    assert secret["metadata"]["name"] == NAMES.tls_secret
    assert secret["metadata"]["labels"][RUN_LABEL] == NAMES.run_id  # removed with the run
    ca = x509.load_pem_x509_certificate(_decoded(secret, "ca.crt"))
    cert = x509.load_pem_x509_certificate(_decoded(secret, "tls.crt"))
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == hosts[:-1]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert cert.not_valid_before_utc < NOW < cert.not_valid_after_utc
    # Python's ssl (what redis-py uses in the role pods) accepts the chain and the name.
    (tmp_path / "ca.crt").write_bytes(_decoded(secret, "ca.crt"))
    (tmp_path / "tls.crt").write_bytes(_decoded(secret, "tls.crt"))
    (tmp_path / "tls.key").write_bytes(_decoded(secret, "tls.key"))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "tls.crt", tmp_path / "tls.key")
    client = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    back_in, back_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    talking = client.wrap_bio(back_in, outgoing, server_hostname=NAMES.engine_host(1))
    served = server.wrap_bio(incoming, back_out, server_side=True)
    for _ in range(10):  # the handshake, in memory
        for end in (talking, served):
            with contextlib.suppress(ssl.SSLWantReadError):
                end.do_handshake()
        incoming.write(outgoing.read())
        back_in.write(back_out.read())
    assert talking.version() is not None and served.version() is not None
    other = make_material(hosts, now=NOW, run_id="another").ca
    assert other != material.ca  # a CA per run
