"""The files a command writes (``-o``, ``--html``): checked before a run, never lost after it.

Before: each output must be a file kobench may create in a directory it can write (a probe file
is created and removed there), not a device, a FIFO or a file of /proc, /sys or /dev, and not one
of the command's inputs or another of its outputs. After: when writing still fails (a full
disk), the document goes to a fallback file whose path is said, and the command fails.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kobench.errors import InputError

SYSTEM_TREES = (Path("/proc"), Path("/sys"))
"""Kernel file systems: what is written there is a command to the kernel, not a file."""


@dataclass(frozen=True)
class Output:
    option: str
    """``--output``, ``--html``."""
    path: str


def _same(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve(strict=False)


def _probe(output: Output, parent: Path) -> None:
    """Create and remove a file in the directory: what writing it needs, found out now."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".kobench-probe-", dir=parent)
    except OSError as exc:
        raise InputError(
            f"{output.option} {output.path}: cannot create a file in {parent}: "
            f"{exc.strerror or exc}"
        ) from None
    os.close(fd)
    os.unlink(probe)


def _check_existing(output: Output, path: Path) -> None:
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise InputError(f"{output.option} {output.path}: is a directory; give a file name")
    if not stat.S_ISREG(mode):
        raise InputError(
            f"{output.option} {output.path}: is a device, FIFO or socket, not a file; give a "
            "file name (--json prints the document)"
        )
    try:  # opened for appending and closed: nothing in it changes
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
    except OSError as exc:
        raise InputError(f"{output.option} {output.path}: {exc.strerror or exc}") from None


def check_output(output: Output, inputs: Sequence[tuple[str, Path]] = ()) -> None:
    """Can ``output`` be written, without overwriting an input? InputError if not."""
    path = Path(output.path)
    where = _resolved(path)
    for label, given in inputs:
        if _same(path, given) or where == _resolved(given):
            raise InputError(
                f"{output.option} {output.path}: is {label}; writing would overwrite it"
            )
    if path.exists():
        _check_existing(output, path)
    tree = next((t for t in SYSTEM_TREES if where == t or t in where.parents), None)
    if tree is not None:
        raise InputError(
            f"{output.option} {output.path}: is in {tree}, which holds the kernel's files, not "
            "yours; give a file name elsewhere"
        )
    parent = where.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise InputError(f"{output.option} {output.path}: directory {parent} {what}")
    _probe(output, parent)


def check_outputs(outputs: Sequence[Output], inputs: Sequence[tuple[str, Path]] = ()) -> None:
    """Every output checked, and no two the same file (the second would replace the first)."""
    given = [o for o in outputs if o.path]
    for index, output in enumerate(given):
        earlier = [(f"also {o.option}", Path(o.path)) for o in given[:index]]
        check_output(output, [*inputs, *earlier])


def write_text(output: Output, text: str) -> str | None:
    """Write the file; the reason it could not be written, or None."""
    try:
        with open(output.path, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        return f"{output.option} {output.path}: {exc.strerror or exc}"
    return None


def save_fallback(name: str, text: str, suffix: str = ".json") -> str:
    """The document in a fresh file of the temporary directory (its path), or on standard error
    when even that fails: a result is never lost."""
    try:
        fd, path = tempfile.mkstemp(prefix=f"kobench-{name}-", suffix=suffix)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as exc:
        sys.stderr.write(text)
        return f"standard error above ({exc.strerror or exc} in {tempfile.gettempdir()})"
    return path


def inputs_of(*paths: tuple[str, str | Path | None]) -> list[tuple[str, Path]]:
    """(what it is, path) of a command's input files (standard input and absent ones left out)."""
    return [(label, Path(path)) for label, path in paths if path and str(path) != "-"]


def unwritten(name: str, text: str, failures: Sequence[str]) -> int:
    """Say which outputs failed and where the document went instead; the exit status."""
    from kobench.present.terminal import EXIT_FAILED

    path = save_fallback(name, text)
    for failure in failures:
        print(f"kobench: {failure}", file=sys.stderr)
    print(
        f"kobench: the result document is saved in {path} instead (`kobench report {path} "
        "--html PAGE` writes its page)",
        file=sys.stderr,
    )
    return EXIT_FAILED
