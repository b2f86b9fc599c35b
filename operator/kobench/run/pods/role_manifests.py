"""The roles' children: the run ConfigMap (RoleConfig), observer pods, writer pods, results."""

from __future__ import annotations

import json

from kobench.api import BenchmarkSpec, Observer
from kobench.measure.results import RunResult
from kobench.plugins.connections import Access
from kobench.plugins.observers.observer_protocol import NODE_ENV
from kobench.roles.role_config import RoleConfig
from kobench.run.pods.engine_manifests import endpoints, password_source
from kobench.run.pods.engine_tls import engine_access, with_engine_ca
from kobench.run.pods.manifest_parts import (
    NON_ROOT_UID,
    Manifest,
    Owner,
    RoleOptions,
    container_security_context,
    metadata,
    password_env,
    pod_security_context,
)
from kobench.run.pods.pod_names import (
    INSTANCE_LABEL,
    OBSERVER_LABEL,
    POD_LABEL,
    ROLE_LABEL,
    WRITER_LABEL,
    RunNames,
    pod_digest,
)
from kobench.run.pods.target_manifests import pod_access
from kobench.run.target.target_plan import endpoints_of, parse_endpoints

CONFIG_DIR = "/etc/kobench"
CONFIG_FILE = f"{CONFIG_DIR}/run.json"
READY_FILE = "/tmp/kobench/ready"
RESULT_KEY = "result.json"


def role_config(names: RunNames, spec: BenchmarkSpec) -> RoleConfig:
    """The run's configuration: the engine's replicas, or the target's endpoints and how a pod
    reaches them (the files its certificates are mounted as)."""
    if spec.target is not None:
        target_endpoints = endpoints_of(parse_endpoints(spec.target))
        return RoleConfig(
            run_id=names.run_id,
            spec=spec,
            endpoints=target_endpoints,
            subscribe_timeout_seconds=float(spec.timeouts.subscribe_seconds),
            access=pod_access(spec.target),
        )
    return RoleConfig(
        run_id=names.run_id,
        spec=spec,
        endpoints=endpoints(names, spec),
        subscribe_timeout_seconds=float(spec.timeouts.subscribe_seconds),
        access=engine_access() if spec.engine.tls else Access(),
    )


def build_run_config(names: RunNames, owner: Owner, spec: BenchmarkSpec) -> Manifest:
    """The RoleConfig every role reads; it also freezes the spec the run was started with."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(names.run_config, owner, names.labels("config")),
        "data": {"run.json": role_config(names, spec).to_json()},
    }


def role_pod(
    name: str,
    labels: dict[str, str],
    owner: Owner,
    names: RunNames,
    spec: BenchmarkSpec,
    options: RoleOptions,
    args: list[str],
    readiness: Manifest | None,
) -> Manifest:
    secret_name, secret_key = password_source(names, spec)
    container: Manifest = {
        "name": "role",
        "image": options.image,
        "imagePullPolicy": options.image_pull_policy,
        "command": ["kobench"],
        "args": args,
        "env": [
            password_env(secret_name, secret_key),
            {"name": "PYTHONUNBUFFERED", "value": "1"},
            # Roles on one node share its clock; the result document says so (see results.py).
            {"name": NODE_ENV, "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        ],
        "resources": {"requests": dict(options.requests), "limits": dict(options.limits)},
        "securityContext": container_security_context(),
        "volumeMounts": [
            {"name": "config", "mountPath": CONFIG_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    if readiness is not None:
        container["readinessProbe"] = readiness
    pod_spec: Manifest = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security_context(NON_ROOT_UID),
        "terminationGracePeriodSeconds": 10,
        "containers": [container],
        "volumes": [
            {"name": "config", "configMap": {"name": names.run_config}},
            {"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}},
        ],
    }
    if options.scheduler_name:
        pod_spec["schedulerName"] = options.scheduler_name
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(name, owner, {**labels, POD_LABEL: pod_digest(name)}),
        "spec": pod_spec,
    }
    return with_engine_ca(pod, names) if spec.engine.tls else pod


def build_observer_pod(
    names: RunNames,
    owner: Owner,
    spec: BenchmarkSpec,
    observer: Observer,
    instance: int,
    options: RoleOptions,
) -> Manifest:
    labels = names.labels(
        "observer",
        **{ROLE_LABEL: "observer", OBSERVER_LABEL: observer.name, INSTANCE_LABEL: str(instance)},
    )
    args = [
        "role",
        "observer",
        "--config",
        CONFIG_FILE,
        "--observer",
        observer.name,
        "--instance",
        str(instance),
        "--ready-file",
        READY_FILE,
    ]
    readiness = {
        # Ready means subscribed: the observer writes the file once its subscription is confirmed.
        "exec": {"command": ["test", "-f", READY_FILE]},
        "periodSeconds": 1,
        "failureThreshold": 1,
    }
    return role_pod(
        names.observer_pod(observer.name, instance),
        labels,
        owner,
        names,
        spec,
        options,
        args,
        readiness,
    )


def build_writer_pod(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, writer_id: int, options: RoleOptions
) -> Manifest:
    labels = names.labels("writer", **{ROLE_LABEL: "writer", WRITER_LABEL: str(writer_id)})
    args = ["role", "writer", "--config", CONFIG_FILE, "--writer-id", str(writer_id)]
    return role_pod(
        names.writer_pod(writer_id), labels, owner, names, spec, options, args, readiness=None
    )


def build_faults_pod(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, options: RoleOptions
) -> Manifest:
    """The fault injector: the Redis-command faults of spec.faults, with the run's password."""
    labels = names.labels("faults", **{ROLE_LABEL: "faults"})
    args = ["role", "faults", "--config", CONFIG_FILE]
    return role_pod(names.faults_pod, labels, owner, names, spec, options, args, readiness=None)


def build_probe_pod(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, options: RoleOptions
) -> Manifest:
    """The capability probe: asks the engine what the run needs, before the observers start."""
    labels = names.labels("probe", **{ROLE_LABEL: "probe"})
    args = ["role", "probe", "--config", CONFIG_FILE]
    return role_pod(names.probe_pod, labels, owner, names, spec, options, args, readiness=None)


def build_results_config_map(
    names: RunNames, owner: Owner, result: RunResult, *, phase: str
) -> Manifest:
    """The full result document (with the encoded histograms) of one run."""
    document = result.model_dump(by_alias=True, mode="json")
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            **metadata(names.results, owner, names.labels("results")),
            "annotations": {"kobench.io/verdict": result.verdict, "kobench.io/phase": phase},
        },
        "data": {RESULT_KEY: json.dumps(document, sort_keys=True)},
    }
