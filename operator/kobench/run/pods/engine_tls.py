"""``spec.engine.tls`` in a cluster, as pure functions: the run's TLS Secret, the names its
server certificate holds, the engine's TLS arguments and files, and the CA every role pod
mounts and verifies against.

The operator creates the Secret (:mod:`.engine_certificates` makes its contents) and never
reads it: the engine pods mount the certificate and key, the role pods only the CA. A server
listens with TLS only (``--port 0``), its replication links too, so a plaintext client is
refused.
"""

from __future__ import annotations

import base64
import copy

from kobench.api import BenchmarkSpec
from kobench.plugins.connections import Access
from kobench.plugins.engines.engine_protocol import tls_server_args
from kobench.run.pods.engine_certificates import TlsMaterial
from kobench.run.pods.manifest_parts import Manifest, Owner, metadata
from kobench.run.pods.pod_names import RunNames

TLS_DIR = "/etc/kobench-tls"
CA_KEY, CERT_KEY, KEY_KEY = "ca.crt", "tls.crt", "tls.key"
"""The Secret's keys (a ``kubernetes.io/tls`` Secret, plus the CA)."""
CA_FILE, CERT_FILE, KEY_FILE = (f"{TLS_DIR}/{k}" for k in (CA_KEY, CERT_KEY, KEY_KEY))
VOLUME = "engine-tls"
READABLE_BY_GROUP = 0o440
"""Files readable by the pod's fsGroup (its own user), by no one else."""
LOOPBACK = ("localhost", "127.0.0.1")
"""The engine's own readiness probe dials the server inside its pod."""


def server_names(names: RunNames, spec: BenchmarkSpec, namespace: str) -> list[str]:
    """Every name a role or a peer may dial: each replica's Service (the host roles and
    replication links use), its pod's record under the governing Service, each short and
    qualified, and loopback for the probe."""
    hosts: list[str] = []
    for index in range(spec.engine.replicas):
        for short in (names.engine_host(index), f"{names.engine_pod(index)}.{names.service}"):
            hosts += [short, f"{short}.{namespace}", f"{short}.{namespace}.svc"]
    return [*dict.fromkeys(hosts), *LOOPBACK]


def build_tls_secret(names: RunNames, owner: Owner, material: TlsMaterial) -> Manifest:
    def encoded(pem: bytes) -> str:
        return base64.b64encode(pem).decode()

    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(names.tls_secret, owner, names.labels("tls")),
        "type": "kubernetes.io/tls",
        "data": {
            CA_KEY: encoded(material.ca),
            CERT_KEY: encoded(material.cert),
            KEY_KEY: encoded(material.key),
        },
    }


def engine_tls_args(spec: BenchmarkSpec) -> list[str]:
    """What each replica's arguments end with under TLS (after the engine plugin's own)."""
    return tls_server_args(spec.engine.port, ca=CA_FILE, cert=CERT_FILE, key=KEY_FILE)


def cli_tls_options() -> str:
    """redis-cli's (keydb-cli's, valkey-cli's) options for the readiness probe."""
    return f"--tls --cacert {CA_FILE}"


def tls_volume(names: RunNames, keys: tuple[str, ...]) -> tuple[Manifest, Manifest]:
    """(the pod's volume, the container's read-only mount) of ``keys`` of the run's Secret."""
    items = [{"key": key, "path": key} for key in keys]
    volume = {
        "name": VOLUME,
        "secret": {
            "secretName": names.tls_secret,
            "items": items,
            "defaultMode": READABLE_BY_GROUP,
        },
    }
    return volume, {"name": VOLUME, "mountPath": TLS_DIR, "readOnly": True}


def engine_access() -> Access:
    """How the roles in pods connect: TLS, verified against the run's CA, the name checked
    against the host dialled (each replica's Service, which the certificate holds)."""
    return Access(tls=True, ca_file=CA_FILE)


def with_engine_ca(pod: Manifest, names: RunNames) -> Manifest:
    """A role pod (one container) with the run's CA mounted read-only (and nothing else of
    the Secret: the server's key stays with the engine pods)."""
    pod = copy.deepcopy(pod)
    volume, mount = tls_volume(names, (CA_KEY,))
    container = pod["spec"]["containers"][0]
    container["volumeMounts"] = [*container["volumeMounts"], mount]
    pod["spec"]["volumes"] = [*pod["spec"]["volumes"], volume]
    return pod
