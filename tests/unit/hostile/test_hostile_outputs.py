"""Outputs checked before anything runs, and comparisons that count each run once: `-o` and
`--html` that name a device, a kernel file, an input or each other; a run given twice or on
both sides of a comparison; a matrix axis that means nothing locally. In this process; every
`kobench run` here is given /bin/false as its server, so a run that started would fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from tests.unit.hostile.hostile_documents import result

from kobench.api import parse_benchmark
from kobench.present.cli import main
from kobench.present.compare_commands import local_matrix_problems
from kobench.present.output_files import Output, check_outputs

FALSE = ["-q", "--server-binary", "/bin/false"]


def resource(name: str = "bench", **spec: object) -> dict[str, object]:
    return {
        "apiVersion": "kobench.io/v1alpha1",
        "kind": "KeyDBObserverBenchmark",
        "metadata": {"name": name},
        "spec": {
            "engine": {"type": "redis", "replicas": 1},
            "workload": {"rate": 100, "durationSeconds": 1},
            "observers": [{"name": "sync", "mode": "sync"}],
            **spec,
        },
    }


def bench(tmp_path: Path, name: str = "bench", **spec: object) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(resource(name, **spec)))
    return path


def write_runs(folder: Path, prefix: str, count: int = 4, p50: float = 1.0) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i}.json"
        path.write_text(result(p50 + i / 50, run_id=f"{prefix}-{i:06d}").model_dump_json())
        paths.append(str(path))
    return paths


# -- outputs: (option and path made in tmp_path, the words of the refusal) ---------------------

OutputCase = tuple[Callable[[Path], list[str]], str]


def _fifo(tmp_path: Path) -> str:
    os.mkfifo(tmp_path / "out.fifo")
    return str(tmp_path / "out.fifo")


def _link_to(target: str) -> Callable[[Path], str]:
    def make(tmp_path: Path) -> str:
        (tmp_path / "link.json").symlink_to(target)
        return str(tmp_path / "link.json")

    return make


def _dir(tmp_path: Path) -> str:
    return str(tmp_path)


def _under_a_file(tmp_path: Path) -> str:
    (tmp_path / "plain").write_text("x")
    return str(tmp_path / "plain" / "out.json")


def _missing_dir(tmp_path: Path) -> str:
    return str(tmp_path / "no" / "such" / "out.json")


def _fixed(path: str) -> Callable[[Path], str]:
    return lambda _: path


TARGETS: dict[str, tuple[Callable[[Path], str], str]] = {
    "dev-full": (_fixed("/dev/full"), "is a device, FIFO or socket"),
    "dev-null": (_fixed("/dev/null"), "is a device, FIFO or socket"),
    "dev-zero": (_fixed("/dev/zero"), "is a device, FIFO or socket"),
    "proc-file": (_fixed("/proc/x.html"), "is in /proc"),
    "proc-existing": (_fixed("/proc/self/comm"), "is in /proc"),
    "sys-file": (_fixed("/sys/x.json"), "is in /sys"),
    "sys-kernel": (_fixed("/sys/kernel/x.json"), "is in /sys"),
    "fifo": (_fifo, "is a device, FIFO or socket"),
    "link-to-dev-full": (_link_to("/dev/full"), "is a device, FIFO or socket"),
    "link-to-proc": (_link_to("/proc/self/x.json"), "is in /proc"),
    "directory": (_dir, "is a directory"),
    "missing-directory": (_missing_dir, "does not exist"),
    "under-a-file": (_under_a_file, "is not a directory"),
}
OPTIONS = ("--output", "--html")


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_run_refuses_an_output_it_could_not_write_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, option: str
) -> None:
    # Before, as root: /dev/full, /proc/x.html and /sys/x.json passed, the whole run ran, and
    # writing failed after it without even printing the table.
    make, words = TARGETS[target]
    output = make(tmp_path)
    assert main(["run", str(bench(tmp_path)), option, output, *FALSE]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kobench: {option} {output}: "), err
    assert words in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("option", OPTIONS)
@pytest.mark.parametrize("target", ["dev-full", "proc-file", "sys-file", "fifo", "directory"])
def test_compare_refuses_the_same_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str, option: str
) -> None:
    make, words = TARGETS[target]
    output = make(tmp_path)
    argv = [
        "compare",
        "-a",
        *write_runs(tmp_path / "a", "a"),
        "-b",
        *write_runs(tmp_path / "b", "b"),
    ]
    assert main([*argv, option, output]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kobench: {option} {output}: ") and words in err, err


@pytest.mark.parametrize("target", ["dev-full", "proc-file", "sys-file", "fifo", "directory"])
def test_report_refuses_such_a_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    make, words = TARGETS[target]
    output = make(tmp_path)
    (source,) = write_runs(tmp_path / "r", "r", 1)
    assert main(["report", source, "--html", output]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kobench: --html {output}: ") and words in err, err


def test_an_output_never_overwrites_an_input_or_another_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: `-o bench.yaml` overwrote the benchmark with JSON, `-o X --html X` the result with
    # the page, both with exit status 0.
    path = bench(tmp_path)
    baseline = tmp_path / "last.json"
    baseline.write_text(result().model_dump_json())
    held = bench(tmp_path, "held", baseline={"resultFile": "last.json", "p99Ratio": 1.5})
    (tmp_path / "alias.yaml").symlink_to(path)
    cases = [
        (["run", str(path), "-o", str(path)], f"--output {path}: is the benchmark file"),
        (["run", str(path), "--html", str(path)], f"--html {path}: is the benchmark file"),
        (["run", str(path), "-o", str(tmp_path / "alias.yaml")], "is the benchmark file"),
        (["run", str(path), "-o", f"{tmp_path}/./bench.yaml"], "is the benchmark file"),
        (["run", str(held), "-o", str(baseline)], f"--output {baseline}: is the baseline"),
        (["run", str(path), "-o", "x.json", "--html", "x.json"], "--html x.json: is also --output"),
        (["run", str(path), "-o", "x.json", "--html", "./x.json"], "is also --output"),
    ]
    for argv, words in cases:
        assert main([*argv, *FALSE]) == 2, argv
        err = capsys.readouterr().err
        assert words in err, (argv, err)
    assert yaml.safe_load(path.read_text())["kind"] == "KeyDBObserverBenchmark"  # untouched
    a, b = write_runs(tmp_path / "a", "a"), write_runs(tmp_path / "b", "b")
    for output in (a[0], str(tmp_path / "b" / "b3.json")):
        assert main(["compare", "-a", *a, "-b", *b, "-o", output]) == 2
        assert f"--output {output}: is an input" in capsys.readouterr().err
    assert main(["compare", "-a", str(tmp_path / "a"), "-b", *b, "-o", a[2]]) == 2
    assert "is an input" in capsys.readouterr().err
    assert main(["report", a[0], "--html", a[0]]) == 2
    assert f"--html {a[0]}: is a source" in capsys.readouterr().err


def test_a_writable_output_is_probed_and_left_as_it_was(tmp_path: Path) -> None:
    existing = tmp_path / "old.json"
    existing.write_text("keep")
    check_outputs([Output("--output", str(existing)), Output("--html", str(tmp_path / "new"))])
    assert existing.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]  # the probe is gone


def test_a_directory_that_cannot_be_written_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # Root writes in any directory: for root (as in CI) the directory is a read-only mount.
    mounted = os.geteuid() == 0
    if mounted:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(locked)], check=True
        )
    try:
        with pytest.raises(Exception, match="cannot create a file in"):
            check_outputs([Output("--output", str(locked / "x.json"))])
    finally:
        if mounted:
            subprocess.run(["umount", str(locked)], check=True)


# -- one run counts once -----------------------------------------------------------------------


def test_one_run_given_four_times_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: `-a r r r r -b s s s s` made one run four repetitions: Better/Worse at p=0.013.
    r = write_runs(tmp_path / "a", "r", 1, p50=1.0)[0]
    s = write_runs(tmp_path / "b", "s", 1, p50=3.0)[0]
    assert main(["compare", "-a", r, r, r, r, "-b", s, s, s, s]) == 2
    err = capsys.readouterr().err
    assert (
        f"{r}: the same run as {r} (run r-000000, also on --baseline): each run counts once" in err
    )


def test_a_copy_of_a_run_is_the_same_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_runs(tmp_path / "a", "a")
    copy = tmp_path / "a" / "z-copy.json"
    shutil.copy(a[1], copy)
    b = write_runs(tmp_path / "b", "b")
    assert main(["compare", "-a", str(tmp_path / "a"), "-b", *b]) == 2
    assert f"{copy}: the same run as {a[1]}" in capsys.readouterr().err


def test_the_same_run_on_both_sides_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_runs(tmp_path / "a", "a")
    b = [*write_runs(tmp_path / "b", "b", 3), a[0]]
    assert main(["compare", "-a", *a, "-b", *b]) == 2
    assert (
        f"{a[0]}: the same run as {a[0]} (run a-000000, on --baseline)" in capsys.readouterr().err
    )


def test_distinct_runs_with_one_run_id_still_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A run id alone does not tell two runs apart (tests and old tools reuse them): content does.
    folder = tmp_path / "a"
    folder.mkdir()
    paths = []
    for i in range(4):
        path = folder / f"{i}.json"
        path.write_text(result(1.0 + i / 10, run_id="same").model_dump_json())
        paths.append(str(path))
    assert main(["compare", "-a", *paths, "-b", *write_runs(tmp_path / "b", "b", p50=3.0)]) == 0
    assert "Worse" in capsys.readouterr().out


# -- a matrix locally ---------------------------------------------------------------------------


def test_engines_that_differ_only_by_image_are_refused_locally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: both cells ran the one local redis-server and were compared as two engines.
    engines = [{"type": "redis", "image": "redis:6"}, {"type": "redis", "image": "redis:7"}]
    path = bench(tmp_path, matrix={"repetitions": 1, "engines": engines})
    assert main(["run", str(path), *FALSE]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kobench: spec.matrix.engines[1]: redis(redis:7) differs from ")
    assert "only by its image; images apply in a cluster" in err
    assert main(["validate", str(path)]) == 0  # in a cluster the images do differ


@pytest.mark.parametrize(
    ("engines", "refused"),
    [
        ([{"type": "redis"}, {"type": "redis", "image": "redis:7"}], 1),
        ([{"type": "redis", "image": "a"}, {"type": "valkey", "image": "b"}], 0),
        ([{"type": "redis"}, {"type": "valkey"}, {"type": "redis", "image": "r:7"}], 1),
        (
            [
                {"type": "valkey", "image": "v:7"},
                {"type": "valkey", "image": "v:8"},
                {"type": "redis", "image": "r:6"},
                {"type": "redis", "image": "r:7"},
            ],
            2,
        ),
    ],
)
def test_each_image_only_value_is_named(engines: list[dict[str, str]], refused: int) -> None:
    benchmark = parse_benchmark(resource(matrix={"repetitions": 1, "engines": engines}))
    assert len(local_matrix_problems(benchmark)) == refused
