"""The ``kobench`` command: run a benchmark locally, act as a role, or run the operator."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from kobench import __version__
from kobench.compare.sources import ComparisonDocument
from kobench.errors import InputError, KobenchError, SpecError
from kobench.results import RunResult, result_schema
from kobench.roles import main as role_main
from kobench.spec import PLUGIN_NAME, Benchmark, errors_from_validation
from kobench.validation import check_benchmark, load_checked

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID = 3
EXIT_INTERRUPTED = 130


PROGRESS_INTERVAL_S = 5.0


class ProgressLines:
    """Progress without a terminal (CI logs, pipes): a line when the stage changes, and at most
    one every ``interval_s`` while it lasts, so a long run is not silent."""

    def __init__(
        self,
        out: TextIO,
        *,
        interval_s: float = PROGRESS_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.out, self.interval_s, self.clock = out, interval_s, clock
        self.started = clock()
        self.stage = ""
        self.printed_at = -math.inf

    def update(self, stage: str, fraction: float) -> None:
        now = self.clock()
        if stage == self.stage and now - self.printed_at < self.interval_s:
            return
        self.stage, self.printed_at = stage, now
        self.out.write(f"kobench: {stage} {100 * fraction:.0f}% ({now - self.started:.0f} s)\n")
        self.out.flush()


@contextlib.contextmanager
def progress_bar(
    enabled: bool, *, terminal: bool = True
) -> Iterator[Callable[[str, float], None] | None]:
    """A rich progress bar on a terminal, progress lines without one (yields the update
    function); nothing when disabled."""
    if not enabled:
        yield None
        return
    if not terminal:
        yield ProgressLines(sys.stderr).update
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True
    )
    task = bar.add_task("starting", total=1.0)

    def update(stage: str, fraction: float) -> None:
        bar.update(task, description=stage, completed=fraction)

    with bar:
        yield update


def cmd_run(args: argparse.Namespace) -> int:
    from kobench.runners.local import run_local
    from kobench.runners.table import render_result

    benchmark = load_checked(args.file)
    if args.engine:
        benchmark = with_engine(benchmark, args.engine)
    binaries = server_binaries(args.server_binary or [])
    outputs = [("--output", args.output), ("--html", args.html)]
    for option, output in outputs:
        if output:
            check_output(output, option=option)
    if benchmark.spec.matrix is not None:
        return run_matrix_file(args, benchmark, binaries)
    baseline = load_baseline(args.file, benchmark)  # before the run: a typo costs no run
    binary = binaries.get(benchmark.spec.engine.type, binaries.get(""))
    with progress_bar(not args.quiet, terminal=sys.stderr.isatty()) as update:
        result = run_local(benchmark, server_binary=binary, progress=update)
    if baseline is not None and benchmark.spec.baseline is not None:
        from kobench.results.baseline import held_to_baseline

        result = held_to_baseline(result, baseline, benchmark.spec.baseline)
    document = result.model_dump_json(by_alias=True, indent=2) + "\n"
    if args.output:
        write_output(args.output, document, option="--output")
    if args.html:
        from kobench.report import write_html

        try:
            write_html(
                Path(args.html),
                [result],
                [benchmark.model_dump(mode="json", by_alias=True, exclude_none=True)["spec"]],
            )
        except OSError as exc:
            raise InputError(f"--html {args.html}: {exc.strerror or exc}") from None
        print(f"kobench: report written to {args.html}", file=sys.stderr)
    if args.json:
        sys.stdout.write(document)
    else:
        sys.stdout.write(render_result(result, wide=args.wide, color=sys.stdout.isatty()))
    return exit_status(result)


def load_baseline(file: str, benchmark: Benchmark) -> RunResult | None:
    """The result document ``spec.baseline.resultFile`` names, relative to the benchmark file."""
    rule = benchmark.spec.baseline
    if rule is None:
        return None
    from kobench.compare.sources import load_run

    path = Path(rule.result_file)
    if not path.is_absolute() and file != "-":
        path = Path(file).parent / path
    try:
        return load_run(path)
    except InputError as exc:
        raise InputError(f"spec.baseline.resultFile: {exc}") from None


def server_binaries(values: list[str]) -> dict[str, str]:
    """``--server-binary PATH`` (every engine) or ``TYPE=PATH`` (one engine, for a matrix)."""
    binaries: dict[str, str] = {}
    for value in values:
        engine, sep, path = value.partition("=")
        if not (sep and re.fullmatch(PLUGIN_NAME, engine)):
            engine, path = "", value  # a path that holds "=" is still a path
        if not path:
            raise InputError(f"--server-binary {value}: give PATH or ENGINE=PATH")
        binaries[engine] = path
    return binaries


def run_matrix_file(
    args: argparse.Namespace, benchmark: Benchmark, binaries: dict[str, str]
) -> int:
    """Every cell of the matrix, then the comparison: the tables, or the document."""
    from kobench.compare.table import render_matrix
    from kobench.compare.verdict import require_scipy
    from kobench.runners.matrix import run_matrix

    if args.html:
        raise InputError("--html: the report page does not show matrices yet; use -o FILE")
    require_scipy()  # before the runs, not after them
    with progress_bar(not args.quiet, terminal=sys.stderr.isatty()) as update:
        document = run_matrix(benchmark, server_binaries=binaries, progress=update)
    text = document.model_dump_json(by_alias=True, indent=2) + "\n"
    if args.output:
        write_output(args.output, text, option="--output")
    if args.json:
        sys.stdout.write(text)
    else:
        sys.stdout.write(render_matrix(document, color=sys.stdout.isatty()))
    failed = [f"{cell.id} {why}" for cell in document.cells for why in cell.failures]
    for failure in failed:
        print(f"kobench: not carried out: {failure}", file=sys.stderr)
    return EXIT_FAILED if failed else 0


def check_output(output: str, *, option: str = "--output") -> None:
    """Before a run: can the file be written? (Found out after a run, the results would be lost.)"""
    path = Path(output)
    parent = path.parent
    if path.is_dir():
        raise InputError(f"{option} {output}: is a directory; give a file name")
    if not parent.is_dir():
        raise InputError(f"{option} {output}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"{option} {output}: permission denied")


def write_output(output: str, text: str, *, option: str) -> None:
    try:
        Path(output).write_text(text)
    except OSError as exc:
        raise InputError(f"{option} {output}: {exc.strerror or exc}") from None


def with_engine(benchmark: Benchmark, engine: str) -> Benchmark:
    """The same benchmark on another engine (validated again)."""
    document = benchmark.model_dump(by_alias=True, exclude_none=True)
    document["spec"]["engine"]["type"] = engine
    document["spec"]["engine"].pop("image", None)
    return check_benchmark(document)


def exit_status(result: RunResult) -> int:
    return {"Passed": 0, "Failed": EXIT_FAILED, "Invalid": EXIT_INVALID}[result.verdict]


def cmd_compare(args: argparse.Namespace) -> int:
    from kobench.compare import Comparison, compare_sides
    from kobench.compare.sources import load_comparison, load_side
    from kobench.compare.table import render_comparison, render_matrix
    from kobench.compare.verdict import require_scipy

    require_scipy()

    sides = (args.baseline, args.candidate)
    if args.documents and any(sides):
        raise InputError("give either a comparison document or --baseline and --candidate")
    if args.output:
        check_output(args.output)
    document: ComparisonDocument
    if args.documents:
        if len(args.documents) > 1:
            raise InputError(
                f"{args.documents[1]}: one comparison document at a time (to compare result "
                "files, give them with --baseline and --candidate)"
            )
        found = load_comparison(Path(args.documents[0]))
        if found is None:
            raise InputError(
                f"{args.documents[0]}: not a comparison document; to compare result files, "
                "give them with --baseline and --candidate"
            )
        document = found
    elif all(sides):
        require_scipy()  # before reading many files
        document = compare_sides(load_side(args.baseline), load_side(args.candidate))
    else:
        missing = "--baseline" if not args.baseline else "--candidate"
        raise InputError(f"{missing}: missing (give both sides' result files or directories)")
    text = document.model_dump_json(by_alias=True, indent=2) + "\n"
    if args.output:
        write_output(args.output, text, option="--output")
    color = sys.stdout.isatty()
    if args.json:
        sys.stdout.write(text)
    elif isinstance(document, Comparison):
        sys.stdout.write(render_comparison(document, color=color))
    else:
        sys.stdout.write(render_matrix(document, color=color))
    return EXIT_FAILED if args.fail_on_worse and _any_worse(document) else 0


def _any_worse(document: ComparisonDocument) -> bool:
    from kobench.compare import Comparison

    comparisons = (
        [document] if isinstance(document, Comparison) else [p.comparison for p in document.pairs]
    )
    return any(f.verdict == "Worse" for c in comparisons for f in c.figures)


def cmd_validate(args: argparse.Namespace) -> int:
    benchmark = load_checked(args.file)
    print(f"{args.file}: valid {benchmark.kind} {benchmark.metadata.name}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    del args
    print(json.dumps(result_schema(), indent=2))
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from kobench.readme import update
    from kobench.reference import BEGIN, END, reference_markdown

    if args.update:
        readme = Path(args.update)
        try:
            text = readme.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{readme}: cannot be read ({exc})") from None
        if BEGIN not in text or END not in text or text.index(BEGIN) > text.index(END):
            raise InputError(f"{readme}: has no reference section; add the lines {BEGIN} and {END}")
        changed = update(readme)
        print(f"{args.update}: {'updated' if changed else 'already up to date'}")
    else:
        print(reference_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kobench", description=__doc__)
    parser.add_argument("--version", action="version", version=f"kobench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a benchmark file locally, without a cluster")
    run.add_argument("file", help="a KeyDBObserverBenchmark YAML file")
    run.add_argument("--output", "-o", help="write the result document (JSON) here")
    run.add_argument(
        "--server-binary",
        action="append",
        metavar="[ENGINE=]PATH",
        help="engine server executable (default: from PATH); ENGINE=PATH for one engine of a "
        "matrix (repeatable)",
    )
    run.add_argument("--engine", help="run on this engine instead of spec.engine.type")
    run.add_argument("--html", metavar="FILE", help="also write the report page (self-contained)")
    run.add_argument("--json", action="store_true", help="print the result document, not a table")
    run.add_argument("--wide", action="store_true", help="all columns (wider than 100)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    run.set_defaults(handler=cmd_run)

    compare = sub.add_parser(
        "compare",
        help="compare repetitions of two sides (result files) figure by figure, with a verdict",
    )
    compare.add_argument(
        "documents",
        nargs="*",
        metavar="COMPARISON",
        help="a comparison document (kobench compare -o, a matrix run's -o) to show again",
    )
    compare.add_argument(
        "--baseline",
        "-a",
        nargs="+",
        metavar="RESULT",
        help="the baseline's result files (kobench run -o) or directories of them",
    )
    compare.add_argument(
        "--candidate",
        "-b",
        nargs="+",
        metavar="RESULT",
        help="the candidate's result files or directories; the verdicts are the candidate's",
    )
    compare.add_argument("--output", "-o", help="write the comparison document (JSON) here")
    compare.add_argument("--json", action="store_true", help="print the document, not tables")
    compare.add_argument(
        "--fail-on-worse", action="store_true", help="exit status 1 when any figure is Worse"
    )
    compare.set_defaults(handler=cmd_compare)

    validate = sub.add_parser("validate", help="check a benchmark file without running it")
    validate.add_argument("file")
    validate.set_defaults(handler=cmd_validate)

    schema = sub.add_parser("result-schema", help="print the JSON schema of result documents")
    schema.set_defaults(handler=cmd_schema)

    reference = sub.add_parser("reference", help="print the resource reference (Markdown)")
    reference.add_argument("--update", metavar="README", help="rewrite its reference section")
    reference.set_defaults(handler=cmd_reference)

    role = sub.add_parser("role", help="run one writer or observer (inside a pod)")
    role_main.add_arguments(role)
    role.set_defaults(handler=role_main.run)

    from kobench.controller.commands import add_subcommands  # crd, operator, report

    add_subcommands(sub)
    return parser


def _third_party(exc: Exception) -> str | None:
    """A message for errors of the libraries at the edge (kubeconfig, API server, files)."""
    module = type(exc).__module__
    if module.startswith("kubernetes_asyncio.config"):
        return f"no usable Kubernetes configuration: {exc} (set KUBECONFIG or run in a cluster)"
    if module.startswith("aiohttp"):
        return f"cannot reach the Kubernetes API server: {exc}"
    if isinstance(exc, OSError):
        return str(exc)
    return None


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): say nothing, and let the exit flush nothing."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
        sys.stdout.flush()
        return status
    except SpecError as exc:
        print(f"kobench: invalid benchmark:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"kobench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KobenchError as exc:
        print(f"kobench: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("kobench: interrupted; every process it started was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except ValidationError as exc:  # a role's run configuration, say
        print(f"kobench: invalid input:\n{errors_from_validation(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except json.JSONDecodeError as exc:
        print(f"kobench: not valid JSON: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        message = _third_party(exc)
        if message is None:
            raise
        print(f"kobench: {message}", file=sys.stderr)
        return EXIT_FAILED
