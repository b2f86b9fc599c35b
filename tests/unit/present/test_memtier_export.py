"""``kobench export --format memtier``: memtier_benchmark's keys and units, kobench's figures.

The structure is checked against ``fixtures/memtier_shape.json`` (memtier's source and a real
output of it); the figures against the known document of the report tests (``fast``: 990
events at 100 us and 10 at 900 us; ``slow``: 990 at 300 us, 10 at 50 ms, 3 missed, one lost
connection; 10 seconds at 100 writes/s).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hdrh.histogram import HdrHistogram
from tests.unit.report.documents import run_result

from kobench.present.cli import main
from kobench.present.memtier_export import memtier_document, quantile_key

SHAPES = json.loads((Path(__file__).parent / "fixtures" / "memtier_shape.json").read_text())
NEWER_THAN_THE_OUTPUT = {"Interrupted", "Connection Errors", "Connection Errors/sec"}
NO_BYTES = {"KB/sec", "KB/sec RX/TX", "KB/sec RX", "KB/sec TX"}
SECOND_NOT_KEPT = {"Bytes RX", "Bytes TX", "Average Latency", "Accumulated Latency", "Min Latency"}


def type_of(value: Any) -> str:
    return "string" if isinstance(value, str) else "number"


def differences(ours: dict[str, Any], theirs: dict[str, Any], path: str) -> list[str]:
    """Our keys that memtier does not write, or writes with another type."""
    found = []
    for key, value in ours.items():
        if key not in theirs:
            found.append(f"{path}.{key}: not memtier's")
        elif isinstance(theirs[key], dict) != isinstance(value, dict):
            found.append(f"{path}.{key}: {type(value).__name__} vs {theirs[key]}")
        elif isinstance(value, dict) and key not in ("Time-Serie",):
            found += differences(value, theirs[key], f"{path}.{key}")
        elif not isinstance(value, dict) and type_of(value) != theirs[key]:
            found.append(f"{path}.{key}: {type_of(value)} vs {theirs[key]}")
    return found


@pytest.fixture(scope="module")
def exported() -> dict[str, Any]:
    return memtier_document(run_result())


@pytest.mark.parametrize("version", ["source", "output"])
def test_every_key_is_memtiers_with_its_type(exported: dict[str, Any], version: str) -> None:
    shape = SHAPES[version]["ALL STATS"]
    stats = exported["ALL STATS"]
    allowed = set() if version == "source" else NEWER_THAN_THE_OUTPUT
    problems = differences(stats["Runtime"], shape["Runtime"], "Runtime")
    for name, section in stats.items():
        if name == "Runtime":
            continue
        problems += differences(section, shape["section"], name)
        for t, second in section["Time-Serie"].items():
            problems += differences(second, shape["section"]["Time-Serie"]["second"], f"{name}.{t}")
    unexplained = [p for p in problems if p.split(".")[-1].split(":")[0] not in allowed]
    assert unexplained == []


def test_only_figures_kobench_does_not_have_are_left_out(exported: dict[str, Any]) -> None:
    section_keys = set(SHAPES["source"]["ALL STATS"]["section"])
    second_keys = set(SHAPES["source"]["ALL STATS"]["section"]["Time-Serie"]["second"])
    stats = exported["ALL STATS"]
    assert list(stats) == ["Runtime", "Sets", "Events fast", "Events slow", "Totals"]
    for name in ("Events fast", "Events slow", "Totals"):
        assert section_keys - set(stats[name]) == NO_BYTES
    assert set(stats["Events slow"]["Time-Serie"]["6"]) == {
        "Count",
        "p50.00",
        "p99.00",
        "Max Latency",
    }
    assert second_keys - set(stats["Events slow"]["Time-Serie"]["6"]) == SECOND_NOT_KEPT | {
        "p99.90"
    }
    # Writes are counted, never timed: no latency key at all.
    assert set(stats["Sets"]) == {"Count", "Ops/sec", "Hits/sec", "Misses/sec", "Time-Serie"}
    assert set(stats["Totals"]["Time-Serie"]["6"]) == {"Count", "Max Latency"}


def test_the_figures_are_the_known_truth_in_memtiers_units(exported: dict[str, Any]) -> None:
    stats = exported["ALL STATS"]
    assert (
        stats["Runtime"]["Total duration"] == 10_000
        and stats["Runtime"]["Time unit"] == "MILLISECONDS"
    )
    assert stats["Sets"]["Count"] == 1000 and stats["Sets"]["Ops/sec"] == 100.0
    assert stats["Sets"]["Time-Serie"]["3"] == {"Count": 100}
    fast, slow = stats["Events fast"], stats["Events slow"]
    assert fast["Count"] == 1000 and fast["Ops/sec"] == fast["Hits/sec"] == 100.0
    # (990 x 100 us + 10 x 900 us) / 1000 = 108 us; their sum 108 ms.
    assert fast["Average Latency"] == fast["Latency"] == 0.108
    assert fast["Accumulated Latency"] == 108
    assert (fast["Min Latency"], fast["Max Latency"]) == (0.1, 0.9)
    assert [fast["Percentile Latencies"][k] for k in ("p50.00", "p99.00", "p99.90")] == [
        0.1,
        0.1,
        0.9,
    ]
    assert slow["Misses/sec"] == 0.3 and slow["Connection Errors"] == 1
    assert slow["Accumulated Latency"] == 797  # 990 x 0.3 ms + 10 x 50 ms
    assert slow["Percentile Latencies"]["p99.90"] == pytest.approx(50.0, rel=1e-3)
    assert slow["Time-Serie"]["6"] == {
        "Count": 97,
        "p50.00": 0.3,
        "p99.00": 40.0,
        "Max Latency": 45.0,
    }
    totals = stats["Totals"]
    assert totals["Count"] == 2000 and totals["Accumulated Latency"] == 108 + 797
    assert totals["Time-Serie"]["6"] == {"Count": 97 + 97, "Max Latency": 45.0}
    assert exported["kobench"]["runId"] == "r1" and exported["kobench"]["measuredSeconds"] == 10


def test_the_compressed_histogram_is_the_whole_distribution(exported: dict[str, Any]) -> None:
    encoded = exported["ALL STATS"]["Events slow"]["Percentile Latencies"]["Histogram log format"]
    histogram = HdrHistogram.decode(encoded["Compressed Histogram"].encode("ascii"))
    assert encoded["Compressed Histogram"].startswith("HISTF")  # memtier's V2 compressed cookie
    assert histogram.get_total_count() == 1000
    assert histogram.get_value_at_percentile(50) == 300  # microseconds, as memtier records them
    assert histogram.get_count_at_value(50_000) == 10


def test_quantile_keys_are_memtiers_six_characters() -> None:
    assert [quantile_key(q) for q in (50, 99, 99.9, 99.99)] == [
        "p50.00",
        "p99.00",
        "p99.90",
        "p99.99",
    ]


def test_the_command_writes_the_document_or_names_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = tmp_path / "run.json"
    result.write_text(run_result().model_dump_json(by_alias=True))
    out = tmp_path / "memtier.json"
    assert main(["export", "--format", "memtier", str(result), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["ALL STATS"]["Totals"]["Count"] == 2000
    assert main(["export", "--format", "memtier", str(tmp_path / "none.json")]) == 2
    assert "none.json: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", "csv", str(result)])
    assert exit_info.value.code == 2
    assert "--format: invalid choice: 'csv'" in capsys.readouterr().err
