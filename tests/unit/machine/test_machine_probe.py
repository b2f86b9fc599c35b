"""The capability probe in the one lifecycle: started once the engine is ready, before any
observer; what it found unsupported ends the run in phase Error (reason Unsupported, naming the
field, the engine, its version and the feature); what it found supported lets the run go on."""

from __future__ import annotations

from typing import Any

from tests.unit.machine.world import SPEC, World, pod, resource

from kobench.measure.results.probe_docs import ProbeAnswer, ProbeResult, ReplicaProbe
from kobench.run.actions import CountRun, KeepResult

STREAM = {
    **SPEC,
    "workload": {**SPEC["workload"], "keyMode": "unique"},
    "delivery": {"mechanism": "stream"},
}


def probe_document(*answers: ProbeAnswer, error: str | None = None) -> str:
    return ProbeResult(
        engine="keydb",
        mechanism="stream:group",
        command="set",
        started_ns=1,
        ended_ns=2,
        replicas=[ReplicaProbe(index=i, version="keydb 6.3.4", hz=10) for i in (0, 1)],
        answers=list(answers),
        error=error,
    ).model_dump_json(by_alias=True)


def to_probing(spec: dict[str, Any]) -> World:
    world = World(res=resource(spec))
    world.step(0)
    world.step(1)
    world.step(2)
    world.engine_ready()
    world.step(5)
    return world


def conditions(world: World) -> dict[str, tuple[str, str, str]]:
    return {c.type: (c.status, c.reason, c.message) for c in world.status.conditions}


def test_todays_keyevent_on_set_has_no_probe() -> None:
    world = to_probing(SPEC)
    assert world.plan.probe is None
    assert world.phase() == "Subscribing" and "probe" not in world.started


def test_the_probe_runs_once_the_engine_is_ready_and_before_any_observer() -> None:
    world = to_probing(STREAM)
    assert world.phase() == "WaitingForEngine"
    assert world.started_roles() == ["probe"]
    assert world.status.message != "" and world.last is not None
    world.roles["probe"] = pod()
    world.step(6)
    assert world.started_roles() == ["probe"], "no observer before the probe told"
    world.roles["probe"] = pod(phase="Succeeded", finished=7)
    world.documents["probe"] = probe_document(
        ProbeAnswer(replica=1, feature="XREADGROUP", supported=True, answer="OK"),
        ProbeAnswer(replica=1, feature="delivery", supported=True, answer="event heard"),
    )
    world.step(8)
    assert world.phase() == "Subscribing"
    assert world.started_roles() == ["probe", *world.observers()]
    assert conditions(world)["EngineReady"][:2] == ("True", "AllReplicasReady")


def test_what_the_engine_cannot_do_ends_the_run_in_error_naming_engine_version_and_feature() -> (
    None
):
    world = to_probing(STREAM)
    world.roles["probe"] = pod(phase="Succeeded", finished=7)
    world.documents["probe"] = probe_document(
        ProbeAnswer(
            replica=1,
            feature="XREADGROUP",
            supported=False,
            answer="ERR unknown command 'XREADGROUP'",
            field="spec.delivery.mechanism",
        )
    )
    decision = world.step(8)
    assert world.phase() == "Error"
    (reason,) = world.status.reasons
    assert reason == (
        "spec.delivery.mechanism: engine keydb 6.3.4 (replica 1) does not support XREADGROUP "
        "for mechanism stream:group, command set: ERR unknown command 'XREADGROUP'"
    )
    assert conditions(world)["Complete"][:2] == ("True", "Unsupported")
    assert conditions(world)["EngineReady"][:2] == ("False", "Unsupported")
    assert conditions(world)["Stalled"][:2] == ("True", "Unsupported")
    assert any(isinstance(a, CountRun) and a.verdict == "Error" for a in decision.actions)
    assert not set(world.observers()) & set(world.started_roles())


def test_a_probe_that_could_not_tell_fails_the_run_naming_why() -> None:
    world = to_probing(STREAM)
    world.roles["probe"] = pod(phase="Succeeded", finished=7)
    world.documents["probe"] = probe_document(error="lost the engine while probing it: reset")
    world.step(8)
    assert world.phase() == "Failed"
    assert world.status.reasons == ["capability probe: lost the engine while probing it: reset"]
    crashed = to_probing(STREAM)
    crashed.roles["probe"] = pod(phase="Failed", terminated=(1, "Error"), finished=7)
    crashed.step(8)
    assert crashed.phase() == "Failed"
    assert crashed.status.reasons[0].startswith("capability probe: ")


def test_the_probe_document_is_part_of_the_result() -> None:
    world = to_probing(STREAM)
    world.roles["probe"] = pod(phase="Succeeded", finished=7)
    document = probe_document(
        ProbeAnswer(replica=1, feature="delivery", supported=True, answer="event heard")
    )
    world.documents["probe"] = document
    world.step(8)
    world.subscribe()
    world.step(9)
    world.start_writers()
    world.writers_end(10)
    world.observers_end(10)
    world.step(11)
    world.step(12)
    assert world.phase() == "Succeeded", world.status.reasons
    assert world.last is not None
    (kept,) = [a for a in world.last.actions if isinstance(a, KeepResult)]
    assert kept.result.probe is not None and kept.result.probe.replicas[0].hz == 10
