"""Inputs that cannot hang or blow up: FIFOs, devices, kernel files, sockets, loops and huge files
handed to every command that reads a file (a benchmark, a baseline, compare and report inputs).
One reader counts the bytes it reads and waits on a FIFO only so long; each answer is one line
naming the file. In this process, with the waiting bound shortened."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from tests.unit.hostile.hostile_documents import result

from kobench.api import input_files
from kobench.errors import InputError
from kobench.present.cli import main

IDLE = 0.3


@pytest.fixture(autouse=True)
def _short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(input_files, "IDLE_SECONDS", IDLE)


def bench(tmp_path: Path, name: str = "bench", **spec: object) -> Path:
    document = {
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
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def runs(folder: Path, prefix: str, count: int = 4, p50: float = 1.0) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i}.json"
        document = result(p50 + i / 100, run_id=f"{prefix}-00000{i}")
        path.write_text(document.model_dump_json(by_alias=True))
        paths.append(str(path))
    return paths


# -- what each command is given: a path of a kind, made in tmp_path ---------------------------


def fifo(tmp_path: Path) -> str:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return str(path)


def a_socket(tmp_path: Path) -> str:
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()  # the file stays: a socket nobody listens on
    return str(path)


def loop(tmp_path: Path) -> str:
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    return str(tmp_path / "loop-a")


def sparse(tmp_path: Path) -> str:
    path = tmp_path / "huge.json"
    with path.open("wb") as stream:
        stream.truncate(300 * 1024 * 1024)  # claims 300 MiB, holds nothing but zeros
    return str(path)


def directory(tmp_path: Path) -> str:
    (tmp_path / "d.json").mkdir()
    return str(tmp_path / "d.json")


def fixed(path: str) -> Callable[[Path], str]:
    return lambda _: path


KINDS: dict[str, tuple[Callable[[Path], str], str]] = {
    "fifo-no-writer": (fifo, f"nothing to read for {IDLE:g} s"),
    "dev-zero": (fixed("/dev/zero"), ""),
    "dev-urandom": (fixed("/dev/urandom"), ""),
    "dev-null": (fixed("/dev/null"), "is empty"),
    "dev-full": (fixed("/dev/full"), ""),
    "proc-mem": (fixed("/proc/self/mem"), "cannot be read"),
    "proc-status": (fixed("/proc/self/status"), ""),
    "socket": (a_socket, "is a socket"),
    "symlink-loop": (loop, "cannot be read"),
    "directory": (directory, "director"),  # compare: a directory of results
    "sparse-300-mib": (sparse, ""),
}
"""A kind of file, and words its answer holds (besides the file's name) whoever reads it."""


def command(name: str, path: str, tmp_path: Path) -> tuple[list[str], int, str]:
    """(arguments, exit status, the answer's start) of a command that reads ``path``."""
    if name == "validate":
        return ["validate", path], 2, f"kobench: {path}: "
    if name == "run":
        return ["run", path, "-q", "--server-binary", "/bin/false"], 2, f"kobench: {path}: "
    if name == "baseline":
        held = bench(tmp_path, "held", baseline={"resultFile": path, "p99Ratio": 1.2})
        return ["validate", str(held)], 2, f"kobench: spec.baseline.resultFile: {path}: "
    if name == "compare":
        argv = [
            "compare",
            "-a",
            path,
            *runs(tmp_path / "a", "a", 3),
            "-b",
            *runs(tmp_path / "b", "b"),
        ]
        return argv, 2, f"kobench: {path}: "
    if name == "compare-document":
        return ["compare", path], 2, f"kobench: {path}: "
    return ["report", path], 2, f"kobench: {path}: "


COMMANDS = ("validate", "run", "baseline", "compare", "compare-document", "report")


@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_no_file_hangs_or_blows_up_any_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, name: str
) -> None:
    make, words = KINDS[kind]
    path = make(tmp_path)
    argv, status, start = command(name, path, tmp_path)
    started = time.monotonic()
    assert main(argv) == status
    assert time.monotonic() - started < 5 + IDLE, "waited too long"
    err = capsys.readouterr().err
    if kind == "proc-status" and name in ("validate", "run"):
        assert err.startswith("kobench: invalid benchmark:\napiVersion: Field required"), err
        return  # it is a YAML mapping: every field of it is told
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), err
    assert words in err


def slow_writer(path: str, chunks: list[bytes], pause: float) -> threading.Thread:
    def write() -> None:
        try:
            with open(path, "wb") as stream:
                for chunk in chunks:
                    stream.write(chunk)
                    stream.flush()
                    time.sleep(pause)
        except BrokenPipeError:
            pass  # the reader gave up on it: that is the point

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_fifo_that_is_written_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Process substitution and FIFOs are pipes: `kobench validate <(kubectl get ... -o yaml)`.
    path = fifo(tmp_path)
    text = bench(tmp_path).read_bytes()
    writer = slow_writer(path, [text[:50], text[50:]], IDLE / 3)
    assert main(["validate", path]) == 0
    writer.join(timeout=5)
    assert "valid KeyDBObserverBenchmark bench" in capsys.readouterr().out


def test_a_fifo_that_trickles_is_cut_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(input_files, "TOTAL_SECONDS", 1.0)
    path = fifo(tmp_path)
    slow_writer(path, [b"#"] * 40, IDLE / 3)
    started = time.monotonic()
    assert main(["validate", path]) == 2
    assert time.monotonic() - started < 3
    assert f"{path}: still not at its end after 1 s" in capsys.readouterr().err


def test_the_reader_counts_bytes_read_not_the_size_claimed(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text("[" + "1," * 2000 + "1]")
    with pytest.raises(InputError, match=r"big\.json: larger than 0 MiB"):
        input_files.read_json(big, what="a document", limit=1000)
    label, data = input_files.read_bounded("/proc/self/status", limit=100_000)
    assert label == "/proc/self/status" and b"Name:" in data  # its size says 0
    _, data = input_files.read_bounded("/dev/zero", limit=10)
    assert len(data) == 11  # one byte past the limit: enough to tell


@pytest.fixture
def baseline_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "last-good.json"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: os.mkfifo(p), "nothing to read"),
        (lambda p: p.write_text("{}"), "not a kobench result document"),
        (lambda p: p.symlink_to("/dev/zero"), "not a text file"),
    ],
    ids=["missing", "directory", "fifo", "empty-object", "link-to-dev-zero"],
)
def test_validate_reads_the_baseline_as_run_does(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    baseline_file: Path,
    make: Callable[[Path], None],
    words: str,
) -> None:
    # Before: `kobench validate` said "valid" and `kobench run` refused the file.
    make(baseline_file)
    held = bench(tmp_path, "held", baseline={"resultFile": "last-good.json", "p50Ratio": 1.5})
    for argv in (
        ["validate", str(held)],
        ["run", str(held), "-q", "--server-binary", "/bin/false"],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"spec.baseline.resultFile: {baseline_file}: {words}" in err, err


def test_validate_leaves_a_cluster_baseline_to_the_operator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    held = bench(tmp_path, "held", baseline={"resultsConfigMap": "last-good", "p50Ratio": 1.5})
    assert main(["validate", str(held)]) == 0
    assert "valid" in capsys.readouterr().out


MEMORY_BOUND_KB = 300 * 1024
"""Peak resident memory of one command refusing a hostile input (scipy alone takes ~120 MB)."""


def peak_kb(argv: list[str], cwd: Path) -> tuple[int, str]:
    """(exit status, peak resident memory in KiB) of ``kobench ARGV`` as a process of its own."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kobench", *argv],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert "Traceback" not in err, err
    return usage.ru_maxrss, err


@pytest.mark.parametrize(
    "kind", ["dev-zero", "dev-urandom", "sparse-300-mib", "deep-array", "digits"]
)
@pytest.mark.parametrize("name", ["compare", "report", "baseline", "validate"])
def test_no_input_grows_memory_beyond_a_bound(tmp_path: Path, kind: str, name: str) -> None:
    # Before: `compare -a /dev/zero` grew past 4.5 GB and died with MemoryError, and a
    # baseline of /dev/zero grew `kobench run` to 7.8 GB.
    made: dict[str, Callable[[], str]] = {
        "dev-zero": lambda: "/dev/zero",
        "dev-urandom": lambda: "/dev/urandom",
        "sparse-300-mib": lambda: sparse(tmp_path),
        "deep-array": lambda: _written(tmp_path / "deep.json", "[" * 200_000 + "]" * 200_000),
        "digits": lambda: _written(tmp_path / "digits.json", '{"runId": ' + "9" * 5001 + "}"),
    }
    path = made[kind]()
    argv, _, start = command(name, path, tmp_path)
    peak, err = peak_kb(argv, tmp_path)
    assert err.startswith(start), err
    assert peak < MEMORY_BOUND_KB, f"{peak // 1024} MiB"


def _written(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ("9" * 5001, "", "an integer of 5001 digits (line 5); at most 40"),
        ("-" + "1" * 4301, "", "an integer of 4301 digits"),
        ("0x" + "f" * 4000, "", "an integer of"),
        ("1" * 4000 + ".5", "spec.workload.rate", "integer"),
        ('"' + "9" * 5001 + '"', "spec.workload.rate", "must be an integer"),
    ],
    ids=["digits", "negative", "hexadecimal", "long-float", "quoted"],
)
def test_a_benchmark_with_a_crafted_number_gets_one_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, field: str, words: str
) -> None:
    # Before: `ValueError: Exceeds the limit (4300 digits)`, a traceback.
    path = tmp_path / "number.yaml"
    path.write_text(
        "apiVersion: kobench.io/v1alpha1\nkind: KeyDBObserverBenchmark\n"
        f"metadata: {{name: n}}\nspec:\n  workload: {{rate: {value}}}\n"
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert (f"{field}: " if field else f"kobench: {path}: ") in err and words in err, err
