"""spec.baseline: a run held to an earlier one, and the file it names checked before a run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.unit.compare.runs import resource, run

from kobench.api.baseline_spec import Baseline
from kobench.errors import SpecError
from kobench.measure.results.baseline_rule import held_to_baseline, regressions
from kobench.plugins.checks import check_benchmark
from kobench.present.cli import main

RULE = Baseline(result_file="b.json", p99_ratio=1.3, p99_plus_ms=0.5, max_missed_increase=0)


def test_a_p99_beyond_ratio_and_margin_fails_with_the_numbers() -> None:
    # p99 is 2 x p50 in these documents: baseline p99 2.0 ms allows 1.3 x 2 + 0.5 = 3.1 ms
    assert regressions(run(1.5), run(1.0), RULE) == []
    assert regressions(run(1.55), run(1.0), RULE) == []  # p99 3.1: at the allowance
    (reason,) = regressions(run(1.6), run(1.0), RULE)
    assert reason == (
        "observer sync p99 3.200 ms regressed beyond the baseline's 2.000 ms "
        "(allowed 1.3 x 2.000 + 0.5 = 3.100 ms)"
    )


def test_more_missed_events_than_the_baseline_fail() -> None:
    (reason,) = regressions(run(1.0, missed=3), run(1.0, missed=1), RULE)
    assert reason == "observer sync missed 3 events; the baseline missed 1 (allowed 1)"


def test_an_observer_without_a_baseline_fails_by_name() -> None:
    (reason,) = regressions(run(1.0, observers=("new",)), run(1.0), RULE)
    assert reason == "observer new has no baseline in run r (it has sync)"


def test_the_verdict_becomes_failed_but_invalid_stays_invalid() -> None:
    failed = held_to_baseline(run(5.0), run(1.0), RULE)
    assert failed.verdict == "Failed" and "regressed" in failed.reasons[-1]
    assert held_to_baseline(run(1.0), run(1.0), RULE).verdict == "Passed"
    invalid = run(5.0, verdict="Invalid")
    assert held_to_baseline(invalid, run(1.0), RULE) == invalid


def test_a_baseline_is_not_for_a_matrix() -> None:
    with pytest.raises(SpecError, match=r"spec\.baseline: not with spec\.matrix"):
        check_benchmark(
            resource({"baseline": {"resultFile": "a.json"}, "matrix": {"rates": [100, 200]}})
        )


@pytest.mark.parametrize(
    ("content", "words"), [(None, "no such file"), ("{}", "not a kobench result document")]
)
def test_a_bad_baseline_file_exits_2_before_any_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, words: str
) -> None:
    if content is not None:
        (tmp_path / "last-good.json").write_text(content)
    bench = tmp_path / "bench.yaml"
    spec: dict[str, object] = {
        "engine": {"type": "redis"},
        "baseline": {"resultFile": "last-good.json"},
    }
    bench.write_text(yaml.safe_dump(resource(spec)))
    # /bin/false as the server: had the run started, it would have failed otherwise
    assert main(["run", str(bench), "-q", "--server-binary", "/bin/false"]) == 2
    err = capsys.readouterr().err
    assert f"spec.baseline.resultFile: {tmp_path / 'last-good.json'}: {words}" in err


def test_the_operator_refuses_a_baseline_file_by_name() -> None:
    from kobench.run.spec_check import spec_problems

    assert spec_problems({"baseline": {"resultFile": "a.json"}}, reads="configMaps") == [
        "spec.baseline.resultFile: the operator reads no files: put the result in a ConfigMap "
        "(kubectl create configmap NAME --from-file=result.json=FILE) and name it in "
        "spec.baseline.resultsConfigMap"
    ]


def test_kobench_run_names_a_baseline_configmap_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = tmp_path / "bench.yaml"
    spec: dict[str, object] = {
        "engine": {"type": "redis"},
        "baseline": {"resultsConfigMap": "last-good", "p99Ratio": 2},
    }
    bench.write_text(yaml.safe_dump(resource(spec)))
    assert main(["run", str(bench), "-q", "--server-binary", "/bin/false"]) == 2
    err = capsys.readouterr().err
    assert "spec.baseline.resultsConfigMap: a ConfigMap is read by the operator" in err
