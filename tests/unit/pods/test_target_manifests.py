"""A role pod that reaches the user's own engine: the password from the user's Secret through
the environment (in no argument, no ConfigMap), certificates as read-only files, the role's
access naming those files."""

from __future__ import annotations

import json
from typing import Any

from kobench.api import parse_spec
from kobench.api.target_spec import Target
from kobench.roles.role_config import Endpoint, RoleConfig
from kobench.run.pods import role_manifests as roles
from kobench.run.pods import target_manifests as pods
from kobench.run.pods.manifest_parts import Owner, RoleOptions
from kobench.run.pods.pod_names import RunNames, run_id_for

OWNER = Owner(name="bench", namespace="ns", uid="1234")
NAMES = RunNames("bench", run_id_for("1234", "", 1))
TARGET: dict[str, Any] = {
    "endpoints": ["rediss://kobench@redis-0.redis.prod.svc:6380", "redis-1.redis.prod.svc:6380"],
    "auth": {"passwordSecretRef": {"name": "redis-acl", "key": "kobench"}},
    "tls": {
        "caConfigMapRef": {"name": "redis-ca"},
        "clientSecretName": "kobench-client",
        "serverName": "redis.prod.svc",
    },
}


def target(**changes: Any) -> Target:
    spec = parse_spec({"target": {**TARGET, **changes}})
    assert spec.target is not None
    return spec.target


def writer_pod(spec_target: Target) -> dict[str, Any]:
    spec = parse_spec({"target": TARGET})
    pod = roles.build_writer_pod(NAMES, OWNER, spec, 0, RoleOptions())
    return pods.with_target(pod, spec_target)


def test_the_password_comes_from_the_users_secret_through_the_environment() -> None:
    pod = writer_pod(target())
    container = pod["spec"]["containers"][0]
    passwords = [e for e in container["env"] if e["name"] == "KOBENCH_PASSWORD"]
    assert passwords == [
        {
            "name": "KOBENCH_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "redis-acl", "key": "kobench"}},
        }
    ]
    assert "redis-acl" not in json.dumps([container["command"], container["args"]])


def test_a_user_without_a_password_gets_no_password_variable() -> None:
    pod = writer_pod(target(auth={"username": "kobench"}))
    assert not [e for e in pod["spec"]["containers"][0]["env"] if e["name"] == "KOBENCH_PASSWORD"]


def test_certificates_are_mounted_read_only_for_the_role_only() -> None:
    pod = writer_pod(target())
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == pods.VOLUME)
    assert volume["projected"]["defaultMode"] == 0o440
    assert volume["projected"]["sources"] == [
        {"configMap": {"name": "redis-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {
            "secret": {
                "name": "kobench-client",
                "items": [
                    {"key": "tls.crt", "path": "client.crt"},
                    {"key": "tls.key", "path": "client.key"},
                ],
            }
        },
    ]
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert {"name": pods.VOLUME, "mountPath": pods.TLS_DIR, "readOnly": True} in mounts


def test_no_certificate_no_volume() -> None:
    pod = writer_pod(target(tls={"enabled": True}))
    assert pods.VOLUME not in [v["name"] for v in pod["spec"]["volumes"]]


def test_the_roles_access_names_the_mounted_files_and_holds_no_secret() -> None:
    access = pods.pod_access(target())
    assert (access.username, access.tls, access.verify) == ("kobench", True, True)
    assert (access.ca_file, access.cert_file, access.key_file) == (
        pods.CA_FILE,
        pods.CERT_FILE,
        pods.KEY_FILE,
    )
    assert access.server_name == "redis.prod.svc"
    config = RoleConfig(
        run_id="r",
        spec=parse_spec({"target": TARGET}),
        endpoints=[Endpoint(host="h", port=1)],
        access=access,
    )
    assert "passwordSecretRef" in config.to_json() and "KOBENCH_PASSWORD" not in config.to_json()
    assert not pods.pod_access(target(tls={"insecureSkipVerify": True, "enabled": True})).verify
