"""The user's own Redis in the cluster, from the test's own manifests (not kobench's): a primary
and a replica (a StatefulSet of two, TLS only, replication over TLS), a CA of its own, and an ACL
user ``kobench`` with exactly the documented permissions (docs/guides/own-deployment.md) plus
what dropSubscribers needs. Passwords live in Secrets."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from kobench.run.pods.engine_certificates import make_material

NAME = "redis"
SERVER_NAME = "redis.kobench.test"
IMAGE = "kobench-redis:7.0"
UID = 10001
ACL = (
    "resetkeys ~kobench:* resetchannels &__keyevent@0__:set "
    "-@all +ping +info +get +set +scan +unlink +subscribe +unsubscribe"
)
"""The guide's minimal ACL, word for word (a unit test of the engine tier checks the guide)."""
DROP = "+client|list +client|kill +client|setname"
Manifest = dict[str, Any]


@dataclass
class OwnRedis:
    """What the test deployed, and the secrets only the test and the Secrets know."""

    namespace: str
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    admin_password: str = field(default_factory=lambda: secrets.token_hex(16))

    def endpoints(self) -> list[str]:
        return [f"rediss://{NAME}-{i}.{NAME}:6379" for i in range(2)]

    def target(self, **extra: Any) -> dict[str, Any]:
        """spec.target for this deployment, as a user writes it."""
        return {
            "endpoints": self.endpoints(),
            "auth": {"username": "kobench", "passwordSecretRef": {"name": "redis-kobench"}},
            "tls": {"caConfigMapRef": {"name": "redis-ca"}, "serverName": SERVER_NAME},
            **extra,
        }


def certificates() -> tuple[str, str, str]:
    """(CA, server certificate, server key) as PEM: the server is SERVER_NAME (made as the
    operator makes an engine's, a CA of its own)."""
    material = make_material([SERVER_NAME], now=dt.datetime.now(dt.UTC), run_id="own-redis")
    return material.ca.decode(), material.cert.decode(), material.key.decode()


def _config(redis: OwnRedis) -> str:
    return "\n".join(
        [
            "port 0",
            "tls-port 6379",
            "tls-cert-file /tls/tls.crt",
            "tls-key-file /tls/tls.key",
            "tls-ca-cert-file /tls/ca.crt",
            "tls-auth-clients no",
            "tls-replication yes",
            "bind 0.0.0.0",
            "protected-mode no",
            "dir /data",
            'save ""',
            "appendonly no",
            "repl-diskless-sync yes",
            "repl-diskless-sync-delay 0",
            "notify-keyspace-events KE$",
            f"user default on >{redis.admin_password} ~* &* +@all",
            f"user kobench on >{redis.password} {ACL} {DROP}",
            "masteruser default",
            f"masterauth {redis.admin_password}",
            "",
        ]
    )


def manifests(redis: OwnRedis) -> list[Manifest]:
    """Everything the user runs: Secrets, the CA ConfigMap, the Service, the StatefulSet."""
    ca, cert, key = certificates()
    ns = redis.namespace
    labels = {"app": "own-redis"}
    config = _config(redis)
    start = (  # the replica's configuration: the Secret's, plus its primary
        'conf=/etc/redis/redis.conf; [ "${POD_NAME##*-}" = 0 ] || '
        "{ { cat /etc/redis/redis.conf; "
        f"echo 'replicaof {NAME}-0.{NAME} 6379'; }} > /data/replica.conf && "
        "conf=/data/replica.conf; }; exec redis-server $conf"
    )
    container = {
        "name": "redis",
        "image": IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", start],
        "ports": [{"containerPort": 6379, "name": "redis"}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": "/etc/redis", "readOnly": True},
            {"name": "tls", "mountPath": "/tls", "readOnly": True},
            {"name": "data", "mountPath": "/data"},
        ],
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
    }
    meta = {"namespace": ns, "labels": labels}
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "redis-kobench", **meta},
            "stringData": {"password": redis.password},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "redis-config", **meta},
            "stringData": {"redis.conf": config, "admin": redis.admin_password},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "redis-tls", **meta},
            "stringData": {"tls.crt": cert, "tls.key": key, "ca.crt": ca},
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "redis-ca", **meta},
            "data": {"ca.crt": ca},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": NAME, **meta},
            "spec": {
                "clusterIP": "None",
                "selector": labels,
                "ports": [{"port": 6379, "name": "redis"}],
                "publishNotReadyAddresses": True,
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": NAME, **meta},
            "spec": {
                "serviceName": NAME,
                "replicas": 2,
                "podManagementPolicy": "Parallel",
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "automountServiceAccountToken": False,
                        "terminationGracePeriodSeconds": 1,
                        "securityContext": {
                            "runAsUser": UID,
                            "runAsGroup": UID,
                            "fsGroup": UID,
                            "runAsNonRoot": True,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [container],
                        "volumes": [
                            {
                                "name": "config",
                                "secret": {"secretName": "redis-config", "defaultMode": 0o440},
                            },
                            {
                                "name": "tls",
                                "secret": {"secretName": "redis-tls", "defaultMode": 0o440},
                            },
                            {"name": "data", "emptyDir": {"sizeLimit": "64Mi"}},
                        ],
                    },
                },
            },
        },
    ]


def cli(*command: str) -> list[str]:
    """``redis-cli`` in a pod as the administrator, over TLS; the password from the mounted
    Secret into the environment (REDISCLI_AUTH), never onto a command line."""
    quoted = " ".join(f"'{part}'" for part in command)
    script = (
        "REDISCLI_AUTH=$(cat /etc/redis/admin) exec redis-cli --tls --cacert /tls/ca.crt "
        f"--sni {SERVER_NAME} -h 127.0.0.1 -p 6379 --no-auth-warning {quoted}"
    )
    return ["sh", "-c", script]
