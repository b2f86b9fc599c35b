"""Child manifests are pure functions of the spec: checked here without a cluster."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kobench.api import parse_spec
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import RoleConfig
from kobench.run.observed import RoleView
from kobench.run.plan import Role, plan_run
from kobench.run.pods import engine_manifests as engine
from kobench.run.pods import pod_views as views
from kobench.run.pods import role_manifests as roles
from kobench.run.pods import services
from kobench.run.pods.manifest_parts import Owner, RoleOptions
from kobench.run.pods.pod_names import (
    POD_LABEL,
    STATEFULSET_POD_LABEL,
    RunNames,
    pod_digest,
    run_id_for,
)

OWNER = Owner(name="bench", namespace="ns", uid="1234")
NAMES = RunNames("bench", run_id_for("1234", "", 1))


def test_names_are_deterministic_short_and_new_per_run() -> None:
    assert run_id_for("u", "n", 1) == run_id_for("u", "n", 1)
    assert run_id_for("u", "n", 1) != run_id_for("u", "m", 1)
    assert run_id_for("u", "n", 1) != run_id_for("u", "n", 2)
    long = RunNames("x" * 63, run_id_for("u", "", 1))
    assert len(long.statefulset) <= 52  # StatefulSet names feed a 63-character label
    assert len(long.engine_pod(6)) <= 63
    assert RunNames("a.b", "0123456789").service == "a-b-012345-engine"


def test_statefulset_is_restricted_probed_and_spread() -> None:
    spec = parse_spec({"engine": {"replicas": 3, "resources": {"limits": {"memory": "1Gi"}}}})
    sts = engine.build_statefulset(NAMES, OWNER, spec, get_engine("keydb"), RoleOptions())
    assert sts["metadata"]["ownerReferences"][0] == {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "name": "bench",
        "uid": "1234",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    pod = sts["spec"]["template"]["spec"]
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    primary = engine.build_statefulset(NAMES, OWNER, spec, get_engine("redis"), RoleOptions())
    assert primary["spec"]["podManagementPolicy"] == "OrderedReady"
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = pod["containers"][0]
    assert container["image"] == get_engine("keydb").default_image
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"] == {"limits": {"memory": "1Gi"}}
    probe = " ".join(container["readinessProbe"]["exec"]["command"])
    assert "keydb-cli" in probe and "grep -qx PONG" in probe  # LOADING is not PONG
    terms = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert terms[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert "automountServiceAccountToken" in pod and pod["automountServiceAccountToken"] is False


def test_required_and_no_anti_affinity() -> None:
    plugin = get_engine("redis")
    required = parse_spec({"engine": {"type": "redis", "placement": {"antiAffinity": "required"}}})
    pod = engine.build_statefulset(NAMES, OWNER, required, plugin, RoleOptions())
    assert (
        "requiredDuringSchedulingIgnoredDuringExecution"
        in (pod["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"])
    )
    none = parse_spec({"engine": {"type": "redis", "placement": {"antiAffinity": "none"}}})
    pod = engine.build_statefulset(NAMES, OWNER, none, plugin, RoleOptions())
    assert "affinity" not in pod["spec"]["template"]["spec"]


def test_engine_config_has_per_replica_args_without_the_password() -> None:
    spec = parse_spec({"engine": {"replicas": 3}})
    cm = engine.build_engine_config(NAMES, OWNER, spec, get_engine("keydb"))
    assert sorted(cm["data"]) == ["args-0", "args-1", "args-2"]
    args0 = cm["data"]["args-0"].splitlines()
    assert NAMES.engine_host(1) in args0 and NAMES.engine_host(2) in args0
    assert NAMES.engine_host(0) not in args0  # no replicaof itself
    assert args0.index("--active-replica") < args0.index("--replicaof")
    assert "--requirepass" not in cm["data"]["args-0"]


def test_referenced_secret_replaces_the_generated_one() -> None:
    spec = parse_spec({"engine": {"authSecretRef": {"name": "mine", "key": "pw"}}})
    assert engine.password_source(NAMES, spec) == ("mine", "pw")
    pod = roles.build_writer_pod(NAMES, OWNER, spec, 0, RoleOptions())
    env = pod["spec"]["containers"][0]["env"][0]
    assert env["valueFrom"]["secretKeyRef"] == {"name": "mine", "key": "pw"}


def test_service_is_headless_and_publishes_unready_peers() -> None:
    svc = services.build_service(NAMES, OWNER, parse_spec({}))
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["publishNotReadyAddresses"] is True


def test_every_replica_is_reached_through_its_own_service() -> None:
    """A stable address per replica: a killed pod's successor is reached through the same
    name and IP, never through a cached record of the dead pod's IP."""
    spec = parse_spec({"engine": {"replicas": 3}})
    built = services.build_services(NAMES, OWNER, spec)
    assert [s["metadata"]["name"] for s in built] == [
        NAMES.service,
        NAMES.engine_pod(0),
        NAMES.engine_pod(1),
        NAMES.engine_pod(2),
    ]
    replica_1 = built[2]["spec"]
    assert "clusterIP" not in replica_1 and replica_1["publishNotReadyAddresses"] is True
    assert replica_1["selector"][STATEFULSET_POD_LABEL] == NAMES.engine_pod(1)
    assert replica_1["selector"].items() >= NAMES.selector("engine").items()
    assert [e.host for e in engine.endpoints(NAMES, spec)] == [
        NAMES.engine_pod(0),
        NAMES.engine_pod(1),
        NAMES.engine_pod(2),
    ]


def test_role_pods_run_the_role_commands() -> None:
    spec = parse_spec({})
    observer = spec.observers[0]
    pod = roles.build_observer_pod(NAMES, OWNER, spec, observer, 1, RoleOptions(image="img:1"))
    container = pod["spec"]["containers"][0]
    assert container["command"] == ["kobench"]
    assert container["args"] == [
        "role",
        "observer",
        "--config",
        "/etc/kobench/run.json",
        "--observer",
        observer.name,
        "--instance",
        "1",
        "--ready-file",
        "/tmp/kobench/ready",
    ]
    assert container["image"] == "img:1"
    assert pod["spec"]["restartPolicy"] == "Never"
    writer = roles.build_writer_pod(NAMES, OWNER, spec, 2, RoleOptions())
    assert writer["spec"]["containers"][0]["args"] == [
        "role",
        "writer",
        "--config",
        "/etc/kobench/run.json",
        "--writer-id",
        "2",
    ]
    assert "readinessProbe" not in writer["spec"]["containers"][0]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"/etc/kobench", "/tmp"}


def test_run_config_freezes_the_spec_and_endpoints() -> None:
    spec = parse_spec({"engine": {"replicas": 2}})
    cm = roles.build_run_config(NAMES, OWNER, spec)
    config = RoleConfig.model_validate_json(cm["data"]["run.json"])
    assert config.spec == spec and config.run_id == NAMES.run_id
    assert [e.host for e in config.endpoints] == [NAMES.engine_host(0), NAMES.engine_host(1)]


NOW = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)


def _pod(status: dict[str, Any], *, age_s: float = 0.0) -> dict[str, Any]:
    created = (NOW - dt.timedelta(seconds=age_s)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"metadata": {"name": "p", "creationTimestamp": created}, "status": status}


def pod_view(pod: dict[str, Any]) -> RoleView:
    return views.pod_view(pod, NOW)


def test_pod_views_name_the_failure() -> None:
    oom = _pod(
        {
            "phase": "Failed",
            "containerStatuses": [
                {"name": "role", "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}
            ],
        }
    )
    assert pod_view(oom).failure == "pod p container role: OOMKilled (exit code 137)"
    restarted = _pod(
        {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "engine",
                    "restartCount": 1,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}},
                }
            ],
        }
    )
    assert "restarted after OOMKilled" in str(pod_view(restarted).failure)
    pull = _pod(
        {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "engine",
                    "state": {
                        "waiting": {"reason": "ImagePullBackOff", "message": "no such image"}
                    },
                }
            ],
        }
    )
    assert "ImagePullBackOff" in str(pod_view(pull).failure)
    done = _pod(
        {
            "phase": "Succeeded",
            "containerStatuses": [
                {"name": "role", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
            ],
        }
    )
    assert pod_view(done).succeeded
    ready = _pod({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]})
    assert pod_view(ready).ready and pod_view(ready).failure is None


def _waiting(reason: str, message: str, *, age_s: float) -> dict[str, Any]:
    state = {"waiting": {"reason": reason, "message": message}}
    status = {"phase": "Pending", "containerStatuses": [{"name": "role", "state": state}]}
    return _pod(status, age_s=age_s)


def test_a_container_the_kubelet_retries_is_a_wait_until_it_lasts_too_long() -> None:
    sync = "failed to sync secret cache: timed out waiting for the condition"
    young = pod_view(_waiting("CreateContainerConfigError", sync, age_s=5))
    assert young.failure is None and not young.ready
    assert young.waiting == (
        f"pod p container role: CreateContainerConfigError {sync} (the kubelet retries)"
    )
    old = pod_view(_waiting("CreateContainerConfigError", sync, age_s=61))
    assert old.failure is not None and "still after 61s" in old.failure


def test_a_container_error_that_cannot_heal_is_a_failure_at_once() -> None:
    missing = 'secret "bench-auth" not found'
    view = pod_view(_waiting("CreateContainerConfigError", missing, age_s=1))
    assert view.failure == f"pod p container role: CreateContainerConfigError {missing}"
    key = "couldn't find key password in Secret ns/bench-auth"
    assert pod_view(_waiting("CreateContainerConfigError", key, age_s=1)).failure
    assert pod_view(_waiting("InvalidImageName", "bad", age_s=1)).failure
    assert pod_view(_waiting("CrashLoopBackOff", "back-off 10s", age_s=1)).failure


def test_a_kill_selects_exactly_the_pod_of_its_role() -> None:
    observer = NAMES.pod(Role("observer", 0, "sync"))
    assert observer == NAMES.observer_pod("sync", 0)
    assert f"{POD_LABEL}={pod_digest(observer)}" in NAMES.kill_selector(observer)
    replica = NAMES.pod(Role("replica", 1))
    assert replica == NAMES.engine_pod(1)
    assert f"statefulset.kubernetes.io/pod-name={replica}" in NAMES.kill_selector(replica)
    keys = NAMES.role_keys(plan_run(parse_spec({"engine": {"replicas": 2}})))
    assert keys[NAMES.engine_pod(1)] == "replica-1" and keys[observer] == "sync.0"
