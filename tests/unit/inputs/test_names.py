"""Every valid name and runNonce gets a run id and children names Kubernetes accepts."""

from __future__ import annotations

import re

import pytest

from kobench.api import parse_spec
from kobench.roles.role_config import RoleConfig
from kobench.run.local.local_ids import local_run_id
from kobench.run.pods.pod_names import RunNames, label_value, run_id_for

DNS_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
LABEL = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
NAMES = [
    "a",
    "1bench",
    "bench.v2.example",
    "b" * 64,
    ("a" * 63 + ".") * 3 + "a" * 61,
    "x-" * 20 + "y",
]
NONCES = ["", "1", "2024/01/01", "my run", "2024-06-01T10:00", "über", "n" * 63, "#!$%&()*+,;=?@"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("nonce", NONCES)
def test_a_local_run_id_for_every_name_and_nonce(name: str, nonce: str) -> None:
    run_id = local_run_id(name, nonce, random_suffix="a1b2c3")
    RoleConfig(run_id=run_id, spec=parse_spec({}), endpoints=[{"host": "h", "port": 1}])
    again = local_run_id(name, nonce, random_suffix="d4e5f6")
    assert (run_id == again) == bool(nonce), "a nonce names the run; without one it is random"


def test_a_long_name_keeps_its_unique_suffix() -> None:
    name = "a-benchmark-with-a-name-longer-than-forty-characters"
    ids = {local_run_id(name, "", random_suffix=s) for s in ("aaaaaa", "bbbbbb")}
    assert len(ids) == 2 and all(i.endswith(("aaaaaa", "bbbbbb")) for i in ids)
    assert local_run_id(name, "2024/01/01", random_suffix="x") != local_run_id(
        name, "2024/01/02", random_suffix="x"
    )


@pytest.mark.parametrize("name", NAMES)
def test_children_names_fit_kubernetes(name: str) -> None:
    names = RunNames(name, run_id_for("uid", "nonce", 1))
    assert DNS_1035.match(names.service) and len(names.service) <= 63
    assert len(names.statefulset) <= 52  # its pods' controller-revision-hash label
    assert DNS_1123.match(names.engine_pod(6)) and len(names.engine_pod(6)) <= 63
    for child in (names.secret, names.run_config, names.results, names.writer_pod(15)):
        assert DNS_1123.match(child) and len(child) <= 63, child
    assert len(names.observer_pod("o" * 40, 15)) <= 253
    for value in names.labels("engine").values():
        assert LABEL.match(value) and len(value) <= 63, value


def test_long_names_get_distinct_stable_labels_and_children() -> None:
    first, second = "a" * 100 + "-one", "a" * 100 + "-two"
    assert label_value(first) != label_value(second)
    assert label_value(first) == label_value(first)
    run_id = run_id_for("uid", "", 1)
    assert RunNames(first, run_id).base != RunNames(second, run_id).base


def test_the_crd_knows_which_built_in_engines_have_one_primary() -> None:
    from kobench.api.crd import SINGLE_PRIMARY_ENGINES
    from kobench.plugins.engines import engine_names, get_engine

    built_in = [n for n in engine_names() if n in ("keydb", "redis", "valkey")]
    single = [n for n in built_in if get_engine(n).write_replicas(3) == [0]]
    assert sorted(SINGLE_PRIMARY_ENGINES) == single
    assert all(not get_engine(n).multi_master for n in single)
