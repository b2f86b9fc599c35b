"""The pods of a run against ``spec.target``: its opening and cleanup roles, and the measuring
roles made of what the opening found (the ``-target`` ConfigMap: the roles' spec resolved
against the target, and what the cleanup restores). Every one reaches the target with the
user's Secret as its password variable and the certificates mounted (:mod:`.target_manifests`);
the operator itself reads neither."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.api.target_status import TargetStatus
from kobench.roles.role_config import RoleConfig
from kobench.run.plan import Role
from kobench.run.pods.manifest_parts import Manifest, Owner, RoleOptions, metadata
from kobench.run.pods.pod_names import ROLE_LABEL, RunNames
from kobench.run.pods.role_manifests import CONFIG_DIR, CONFIG_FILE, role_config, role_pod
from kobench.run.pods.target_manifests import with_target
from kobench.run.target.target_plan import role_spec

OPENED_FILE = f"{CONFIG_DIR}/opened.json"


def resolved_spec(spec: BenchmarkSpec, found: TargetStatus) -> BenchmarkSpec:
    """The spec the measuring roles run: the target's engine, the endpoints chosen, every key
    under the run's prefix (:func:`~kobench.run.target.target_plan.role_spec`)."""
    return role_spec(
        spec,
        engine=found.engine,
        endpoints=len(found.endpoints),
        write=found.write_endpoint,
        observe=found.observe_endpoint,
        prefix=found.key_prefix,
    )


def target_run_config(names: RunNames, spec: BenchmarkSpec, found: TargetStatus) -> RoleConfig:
    config = role_config(names, spec)
    return config.model_copy(update={"spec": resolved_spec(spec, found)})


def build_target_config(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, found: TargetStatus
) -> Manifest:
    """The measuring roles' configuration, and what the opening found (for the cleanup)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(names.target_config, owner, names.labels("config")),
        "data": {
            "run.json": target_run_config(names, spec, found).to_json(),
            "opened.json": found.model_dump_json(by_alias=True),
        },
    }


def _config_from(pod: Manifest, config_map: str) -> Manifest:
    for volume in pod["spec"]["volumes"]:
        if volume["name"] == "config":
            volume["configMap"] = {"name": config_map}
    return pod


def build_target_role_pod(
    names: RunNames, owner: Owner, spec: BenchmarkSpec, role: Role, options: RoleOptions
) -> Manifest:
    """The opening (reads the frozen run configuration) or the cleanup (reads the ``-target``
    ConfigMap: the prefix and what to restore)."""
    assert spec.target is not None
    args = ["role", role.kind, "--config", CONFIG_FILE]
    if role.kind == "target-close":
        args += ["--opened", OPENED_FILE]
    labels = names.labels(role.kind, **{ROLE_LABEL: role.kind})
    pod = role_pod(names.pod(role), labels, owner, names, spec, options, args, readiness=None)
    if role.kind == "target-close":
        pod = _config_from(pod, names.target_config)
    return with_target(pod, spec.target)


def targeted(pod: Manifest, names: RunNames, spec: BenchmarkSpec) -> Manifest:
    """A measuring role's pod against the target: the ``-target`` configuration, the user's
    password and certificates."""
    assert spec.target is not None
    return with_target(_config_from(pod, names.target_config), spec.target)
