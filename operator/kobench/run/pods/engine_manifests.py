"""The engine's children: password Secret, argument ConfigMap, StatefulSet (its Services are in
:mod:`kobench.run.pods.services`).

A StatefulSet shares one pod template, but each replica needs its own arguments (KeyDB lists
every *other* peer in ``--replicaof``). So the engine plugin's arguments for replica ``i`` go into
the ConfigMap as ``args-i`` (one argument per line, password left out), and a tiny launcher reads
the file that matches its ordinal.

The password never goes on a command line (anything that reads the pod's process table would
see it): the launcher writes it, with shell builtins only, into a private config file on a
memory ``emptyDir`` (mode 0600) that the server reads, and the readiness probe's client takes
it from ``REDISCLI_AUTH``.
"""

from __future__ import annotations

import base64
import secrets
import shlex

from kobench.api import BenchmarkSpec
from kobench.plugins.engines import Engine as EnginePlugin
from kobench.roles.role_config import Endpoint
from kobench.run.pods.engine_tls import (
    CA_KEY,
    CERT_KEY,
    KEY_KEY,
    cli_tls_options,
    engine_tls_args,
    tls_volume,
)
from kobench.run.pods.manifest_parts import (
    Manifest,
    Owner,
    RoleOptions,
    container_security_context,
    metadata,
    password_env,
    pod_security_context,
    resources,
)
from kobench.run.pods.pod_names import RunNames

ENGINE_UID = 999
"""The redis/keydb/valkey images' own user."""
ARGS_DIR = "/etc/kobench/engine"
DATA_DIR = "/data"
AUTH_DIR = "/run/kobench"
AUTH_FILE = f"{AUTH_DIR}/auth.conf"
PASSWORD_KEY = "password"
CLI_PASSWORD_ENV = "REDISCLI_AUTH"
"""The variable redis-cli, keydb-cli and valkey-cli read a password from."""


def endpoints(names: RunNames, spec: BenchmarkSpec) -> list[Endpoint]:
    """Where each replica listens, as roles and peers reach it (its own Service)."""
    return [
        Endpoint(host=names.engine_host(i), port=spec.engine.port)
        for i in range(spec.engine.replicas)
    ]


def generate_password() -> str:
    return secrets.token_urlsafe(24)


def build_secret(names: RunNames, owner: Owner, password: str) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata(names.secret, owner, names.labels("auth")),
        "type": "Opaque",
        "data": {PASSWORD_KEY: base64.b64encode(password.encode()).decode()},
    }


def password_source(names: RunNames, spec: BenchmarkSpec) -> tuple[str, str]:
    """(Secret name, key) holding the engine password: the referenced one or the generated one."""
    ref = spec.engine.auth_secret_ref
    if ref is not None:
        return ref.name, ref.key
    return names.secret, PASSWORD_KEY


def build_engine_config(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, plugin: EnginePlugin
) -> Manifest:
    peers = endpoints(names, spec)
    tls = engine_tls_args(spec) if spec.engine.tls else []
    data = {
        f"args-{i}": "".join(
            arg + "\n"
            for arg in [
                *plugin.server_args(i, list(peers), spec=spec.engine, password=None),
                *tls,
            ]
        )
        for i in range(spec.engine.replicas)
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(names.engine_config, owner, names.labels("engine")),
        "data": data,
    }


def cli_for(plugin: EnginePlugin) -> str:
    """The engine's command-line client (keydb-server -> keydb-cli)."""
    return plugin.binary.removesuffix("-server") + "-cli"


_WRITE_AUTH = r"""umask 077
nl='
'
cr=$(printf '\r')
p=""; rest="$KOBENCH_PASSWORD"
while [ -n "$rest" ]; do
  c="${rest%"${rest#?}"}"; rest="${rest#?}"
  case "$c" in
    \\|\") p="$p\\$c" ;;
    "$nl") p="$p\\n" ;;
    "$cr") p="$p\\r" ;;
    *) p="$p$c" ;;
  esac
done
printf 'requirepass "%s"\nmasterauth "%s"\n' "$p" "$p" > AUTH_FILE
unset KOBENCH_PASSWORD p rest c
"""
"""Writes the password into the server's config file, quoted as its parser wants (backslash,
double quote, newline and CR escaped), with shell builtins only: no process shows it."""


def launcher(plugin: EnginePlugin) -> str:
    """Shell that starts replica N (from the pod name) with its arguments and the private
    config file that holds the password."""
    return (
        "set -eu\n"
        f"cd {DATA_DIR}\n"
        'i="${HOSTNAME##*-}"\n' + _WRITE_AUTH.replace("AUTH_FILE", AUTH_FILE) + "set --\n"
        'while IFS= read -r arg || [ -n "$arg" ]; do set -- "$@" "$arg"; done'
        f' < "{ARGS_DIR}/args-$i"\n'
        f'exec {shlex.quote(plugin.binary)} {AUTH_FILE} "$@" --dir {DATA_DIR}\n'
    )


def ping_probe(plugin: EnginePlugin, port: int, *, tls: bool = False) -> str:
    """Ready only on PONG (a server that is LOADING answers an error instead) and once no
    replication link is down: a replica answers PING long before it reaches its primary, and a
    writer started then writes into a split engine (the local runner waits for the same).
    ``tls``: the server listens with TLS only; the client verifies it against the run's CA."""
    cli = f"{shlex.quote(cli_for(plugin))} -p {port}" + (f" {cli_tls_options()}" if tls else "")
    return (
        f"{cli} ping 2>&1 | grep -qx PONG"
        f" && ! {cli} info replication 2>&1 | grep -q link_status:down"
    )


def _affinity(names: RunNames, spec: BenchmarkSpec) -> Manifest | None:
    mode = spec.engine.placement.anti_affinity
    if mode == "none":
        return None
    term = {
        "labelSelector": {"matchLabels": names.selector("engine")},
        "topologyKey": "kubernetes.io/hostname",
    }
    if mode == "required":
        return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    return {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": term}
            ]
        }
    }


def _engine_container(
    names: RunNames, spec: BenchmarkSpec, plugin: EnginePlugin, options: RoleOptions
) -> Manifest:
    engine = spec.engine
    secret_name, secret_key = password_source(names, spec)
    port = engine.port
    probe_cmd = ["sh", "-c", ping_probe(plugin, port, tls=engine.tls)]
    return {
        "name": "engine",
        "image": engine.image or plugin.default_image,
        "imagePullPolicy": options.engine_pull_policy,
        "command": ["sh", "-c", launcher(plugin)],
        "env": [
            password_env(secret_name, secret_key),
            {**password_env(secret_name, secret_key), "name": CLI_PASSWORD_ENV},
        ],
        "ports": [{"name": "redis", "containerPort": port}],
        "readinessProbe": {
            "exec": {"command": probe_cmd},
            "periodSeconds": 2,
            "timeoutSeconds": 2,
            "failureThreshold": 2,
        },
        "livenessProbe": {
            "tcpSocket": {"port": port},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 6,
        },
        "resources": resources(engine.resources),
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "args", "mountPath": ARGS_DIR, "readOnly": True},
            {"name": "data", "mountPath": DATA_DIR},
            {"name": "auth", "mountPath": AUTH_DIR},
        ],
    }


def build_statefulset(
    names: RunNames,
    owner: Owner,
    spec: BenchmarkSpec,
    plugin: EnginePlugin,
    options: RoleOptions,
) -> Manifest:
    engine = spec.engine
    container = _engine_container(names, spec, plugin, options)
    volumes: list[Manifest] = [
        {"name": "args", "configMap": {"name": names.engine_config}},
        {"name": "data", "emptyDir": {}},
        {"name": "auth", "emptyDir": {"medium": "Memory", "sizeLimit": "1Mi"}},
    ]
    if engine.tls:
        volume, mount = tls_volume(names, (CA_KEY, CERT_KEY, KEY_KEY))
        volumes.append(volume)
        container["volumeMounts"].append(mount)
    pod_spec: Manifest = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(ENGINE_UID),
        "terminationGracePeriodSeconds": 5,
        "containers": [container],
        "volumes": volumes,
    }
    if options.scheduler_name:
        pod_spec["schedulerName"] = options.scheduler_name
    affinity = _affinity(names, spec)
    if affinity:
        pod_spec["affinity"] = affinity
    if engine.placement.node_selector:
        pod_spec["nodeSelector"] = dict(engine.placement.node_selector)
    if engine.placement.tolerations:
        pod_spec["tolerations"] = [
            t.model_dump(by_alias=True, exclude_none=True) for t in engine.placement.tolerations
        ]
    labels = names.labels("engine", **{"kobench.io/role": "engine"})
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(names.statefulset, owner, labels),
        "spec": {
            "serviceName": names.service,
            "replicas": engine.replicas,
            # Peers start together: a KeyDB mesh needs every peer to come up.
            # A multi-master mesh is ready only once every peer is up: start all at once. With
            # one primary, start in order: a replica that looks its primary up before that pod
            # has an address gets NXDOMAIN, which cluster DNS caches for 30 s.
            "podManagementPolicy": "Parallel" if plugin.multi_master else "OrderedReady",
            "selector": {"matchLabels": names.selector("engine")},
            "template": {"metadata": {"labels": labels}, "spec": pod_spec},
        },
    }
