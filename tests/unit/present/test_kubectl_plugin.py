"""``kubectl kobench``'s own parts without a cluster: the resource ``--dry-run`` prints, the
waiting, arguments that name the option at fault, and kubectl's plugin mechanism (``fetch`` is
in test_kubectl_fetch.py). Its calls go to a stand-in ``kubectl``
(kubectl_standin.py); the real one is the cluster tier's (tests/cluster/e2e)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.support import REPO
from tests.unit.present.kubectl_standin import StandinKubectl, results_map
from tests.unit.report.documents import run_result

from kobench.present.kubectl_client import RESOURCE
from kobench.present.kubectl_plugin import main
from kobench.present.kubectl_runs import new_nonce, parse_duration, run_outcome

QUICKSTART = REPO / "examples" / "quickstart.yaml"


@pytest.fixture
def kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StandinKubectl:
    standin = StandinKubectl(tmp_path)
    for key, value in standin.env.items():
        monkeypatch.setenv(key, value)
    return standin


def test_dry_run_prints_the_file_with_a_new_run_nonce_and_applies_nothing(
    kubectl: StandinKubectl, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--dry-run", str(QUICKSTART), "-n", "bench"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    nonce = printed["spec"].pop("runNonce")
    assert nonce.startswith("kubectl-kobench-20")
    expected = yaml.safe_load(QUICKSTART.read_text())
    expected["metadata"]["namespace"] = "bench"
    assert printed == expected  # the file as written: the operator fills the defaults
    assert kubectl.calls() == []


def test_a_file_kobench_validate_refuses_is_refused_before_kubectl(
    kubectl: StandinKubectl, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(QUICKSTART.read_text().replace("rate: 200", "rate: -5"))
    assert main(["run", str(bad)]) == 2
    assert "spec.workload.rate" in capsys.readouterr().err
    other = tmp_path / "other-ns.yaml"
    other.write_text(QUICKSTART.read_text().replace("name: quickstart", "name: q\n  namespace: a"))
    assert main(["run", "--dry-run", str(other), "--namespace", "b"]) == 2
    assert "--namespace b: the file's metadata.namespace is a" in capsys.readouterr().err
    assert kubectl.calls() == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", str(QUICKSTART), "--timeout", "5x"], "--timeout 5x: give a duration"),
        (["wait", "q", "--timeout", "0s"], "--timeout 0s: give a duration"),
        (["fetch", "q", "--output-dir", "/nonexistent/dir"], "--output-dir /nonexistent/dir"),
    ],
)
def test_argument_errors_name_the_option(
    kubectl: StandinKubectl, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert kubectl.calls() == []


def test_durations_and_nonces() -> None:
    assert [parse_duration("--timeout", t) for t in ("90", "90s", "10m", "1h")] == [
        90,
        90,
        600,
        3600,
    ]
    assert new_nonce() != new_nonce()


def test_cluster_errors_exit_5_with_kubectls_words(
    kubectl: StandinKubectl, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["get", "missing"]) == 5
    assert 'NotFound): keydbobserverbenchmarks.kobench.io "missing" not found' in (
        capsys.readouterr().err
    )
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["fetch", "q"]) == 5
    assert "kubectl not found on PATH" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("status", "nonce", "outcome"),
    [
        ({"runNonce": "old", "phase": "Succeeded", "verdict": "Passed"}, "new", None),
        ({"runNonce": "new", "phase": "Running"}, "new", None),
        ({"runNonce": "new", "phase": "Succeeded", "verdict": "Passed"}, "new", 0),
        ({"runNonce": "new", "phase": "Succeeded", "verdict": "Invalid"}, "new", 3),
        ({"runNonce": "new", "phase": "Failed"}, "new", 1),
        ({"phase": "Error"}, "", 2),  # no runNonce in the spec nor the status
    ],
)
def test_a_run_ends_when_the_run_of_its_nonce_ends(
    status: dict[str, Any], nonce: str, outcome: int | None
) -> None:
    assert run_outcome({"status": status}, nonce) == outcome


def test_run_applies_waits_for_its_own_run_and_prints_the_table(
    kubectl: StandinKubectl, capsys: pytest.CaptureFixture[str]
) -> None:
    kubectl.add(
        "configmap",
        results_map("q-results", "result.json", run_result().model_dump_json(by_alias=True)),
    )
    kubectl.statuses(
        "quickstart",
        {"runNonce": "an-earlier-run", "phase": "Succeeded", "verdict": "Passed"},
        {"runNonce": "$NONCE", "phase": "Running"},
        {
            "runNonce": "$NONCE",
            "phase": "Succeeded",
            "verdict": "Failed",
            "resultsConfigMap": "q-results",
        },
    )
    assert main(["run", str(QUICKSTART)]) == 1  # the known document's verdict
    out, err = capsys.readouterr()
    assert "Failed known (run r1)" in out
    assert [line.split(" (")[0] for line in err.splitlines()[1:]] == [
        "kubectl-kobench: quickstart: Pending",  # the earlier run is not this one
        "kubectl-kobench: quickstart: Running",
        "kubectl-kobench: quickstart: Succeeded",
    ]
    applied = [c for c in kubectl.calls() if c[0] == "apply"]
    assert applied == [["apply", "-f", "-", "-o", "json"]]


def test_wait_gives_up_at_its_timeout_with_4(
    kubectl: StandinKubectl, capsys: pytest.CaptureFixture[str]
) -> None:
    kubectl.add(RESOURCE, {"metadata": {"name": "q"}, "spec": {"runNonce": "n"}})
    kubectl.statuses("q", {"runNonce": "n", "phase": "Running", "runId": "abc"})
    assert main(["wait", "q", "--timeout", "1s", "--quiet"]) == 4
    out, err = capsys.readouterr()
    assert out == "q: Running (run abc)\n" and err == ""


def test_get_lists_the_benchmarks_with_kubectl(kubectl: StandinKubectl) -> None:
    assert main(["get", "-A"]) == 0
    assert kubectl.calls() == [["get", RESOURCE, "--all-namespaces"]]


def test_the_package_installs_the_kubectl_kobench_executable() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["kubectl-kobench"] == "kobench.present.kubectl_plugin:main"
