"""What a role pod needs to reach a target (``spec.target``) in a cluster, as pure functions:
the ACL password from the user's Secret through the environment (never an argument), the CA
bundle and client certificate from Secrets or a ConfigMap as read-only files, and the
:class:`Access` that names those files in the role's configuration.

The operator never reads these Secrets itself: the pods of :mod:`.target_pods` are made of
these parts.
"""

from __future__ import annotations

import copy

from kobench.api.target_spec import Target
from kobench.plugins.connections import Access
from kobench.run.pods.manifest_parts import Manifest, password_env
from kobench.run.target.target_plan import parse_endpoints

TLS_DIR = "/etc/kobench-target"
CA_FILE = f"{TLS_DIR}/ca.crt"
CERT_FILE = f"{TLS_DIR}/client.crt"
KEY_FILE = f"{TLS_DIR}/client.key"
VOLUME = "target-tls"
READABLE_BY_GROUP = 0o440
"""Files readable by the pod's fsGroup (the role's user), by no one else."""


def target_env(target: Target) -> list[Manifest]:
    """The password, from the user's Secret (no variable when the user has no password)."""
    ref = target.auth.password_secret_ref
    return [password_env(ref.name, ref.key)] if ref is not None else []


def _sources(target: Target) -> list[Manifest]:
    tls = target.tls
    sources: list[Manifest] = []
    if tls.ca_secret_ref is not None:
        items = [{"key": tls.ca_secret_ref.key, "path": "ca.crt"}]
        sources.append({"secret": {"name": tls.ca_secret_ref.name, "items": items}})
    if tls.ca_config_map_ref is not None:
        items = [{"key": tls.ca_config_map_ref.key, "path": "ca.crt"}]
        sources.append({"configMap": {"name": tls.ca_config_map_ref.name, "items": items}})
    if tls.client_secret_name is not None:
        items = [{"key": "tls.crt", "path": "client.crt"}, {"key": "tls.key", "path": "client.key"}]
        sources.append({"secret": {"name": tls.client_secret_name, "items": items}})
    return sources


def target_volume(target: Target) -> tuple[list[Manifest], list[Manifest]]:
    """(the pod's volumes, the container's mounts) of the target's certificates."""
    sources = _sources(target)
    if not sources:
        return [], []
    volume = {
        "name": VOLUME,
        "projected": {"sources": sources, "defaultMode": READABLE_BY_GROUP},
    }
    return [volume], [{"name": VOLUME, "mountPath": TLS_DIR, "readOnly": True}]


def pod_access(target: Target) -> Access:
    """How the roles in pods connect: the files :func:`target_volume` mounts."""
    tls = target.tls
    parsed = parse_endpoints(target)
    has_ca = tls.ca_secret_ref is not None or tls.ca_config_map_ref is not None
    client = tls.client_secret_name is not None
    return Access(
        username=target.auth.username or next((p.username for p in parsed if p.username), None),
        tls=target.uses_tls,
        ca_file=CA_FILE if has_ca else None,
        cert_file=CERT_FILE if client else None,
        key_file=KEY_FILE if client else None,
        server_name=tls.server_name,
        verify=not tls.insecure_skip_verify,
    )


def with_target(pod: Manifest, target: Target) -> Manifest:
    """A role pod (one container) that reaches ``target``: its password variable replaced by
    the user's Secret, the certificates mounted."""
    pod = copy.deepcopy(pod)
    container = pod["spec"]["containers"][0]
    kept = [e for e in container["env"] if e["name"] != "KOBENCH_PASSWORD"]
    container["env"] = [*target_env(target), *kept]
    volumes, mounts = target_volume(target)
    container["volumeMounts"] = [*container["volumeMounts"], *mounts]
    pod["spec"]["volumes"] = [*pod["spec"]["volumes"], *volumes]
    return pod
