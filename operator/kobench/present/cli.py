"""The ``kobench`` command: run a benchmark locally, act as a role, or run the operator."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from pydantic import ValidationError

from kobench import __version__
from kobench.api import PLUGIN_NAME, Benchmark, errors_from_validation
from kobench.errors import ClusterUnreadable, InputError, KobenchError, SpecError, Unsupported
from kobench.measure.results import RunResult, result_schema
from kobench.plugins.checks import check_benchmark, load_checked
from kobench.present.compare_commands import (
    add_compare_parser,
    baseline_path,
    load_baseline,
    run_matrix_file,
)
from kobench.present.memtier_export import add_export_parser
from kobench.present.output_files import Output, check_outputs, inputs_of, unwritten, write_text
from kobench.present.target_option import add_target_option, with_target
from kobench.present.terminal import (
    EXIT_CLUSTER,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_USAGE,
    progress_bar,
)
from kobench.roles import entry as role_main
from kobench.run.target import target_roles


def cmd_run(args: argparse.Namespace) -> int:
    from kobench.present.run_table import WIDE_WIDTH, render_result
    from kobench.present.table_fit import terminal_width
    from kobench.run.local.local_loop import run_local

    benchmark = load_checked(args.file)
    if args.engine:
        benchmark = with_engine(benchmark, args.engine)
    if args.target:
        benchmark = with_target(benchmark, args.target)
    binaries = server_binaries(args.server_binary or [])
    outputs = [Output("--output", args.output or ""), Output("--html", args.html or "")]
    baseline_file = baseline_path(args.file, benchmark)
    inputs = inputs_of(("the benchmark file", args.file), ("the baseline", baseline_file))
    check_outputs(outputs, inputs)  # before the run: found out after it, the result is lost
    if benchmark.spec.matrix is not None:
        return run_matrix_file(args, benchmark, binaries)
    load_baseline(args.file, benchmark)  # before the run: a typo costs no run
    binary = binaries.get(benchmark.spec.engine.type, binaries.get(""))
    with progress_bar(not args.quiet, terminal=sys.stderr.isatty()) as update:
        result = run_local(
            benchmark, server_binary=binary, progress=update, base_dir=base_dir(args.file)
        )
    document = result.model_dump_json(by_alias=True, indent=2) + "\n"
    failures = _write_run_outputs(args, benchmark, result, document)
    if args.json:
        sys.stdout.write(document)
    else:
        width = terminal_width()
        width = max(width, WIDE_WIDTH) if args.wide else width
        sys.stdout.write(
            render_result(result, wide=args.wide, color=sys.stdout.isatty(), width=width)
        )
    if failures:
        sys.stdout.flush()
        return unwritten(result.run_id, document, failures)
    return exit_status(result)


def base_dir(file: str) -> Path:
    """Where the benchmark's relative paths are read from: its file's directory."""
    return Path(".") if file == "-" else Path(file).parent


def _write_run_outputs(
    args: argparse.Namespace, benchmark: Benchmark, result: RunResult, document: str
) -> list[str]:
    """Write ``-o`` and ``--html``; the reasons of those that could not be written."""
    failures = []
    if args.output:
        failures.append(write_text(Output("--output", args.output), document))
    if args.html:
        from kobench.present.pages import render_html

        spec = benchmark.model_dump(mode="json", by_alias=True, exclude_none=True)["spec"]
        failed = write_text(Output("--html", args.html), render_html([result], [spec]))
        if failed is None:
            print(f"kobench: report written to {args.html}", file=sys.stderr)
        failures.append(failed)
    return [f for f in failures if f is not None]


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


def with_engine(benchmark: Benchmark, engine: str) -> Benchmark:
    """The same benchmark on another engine (validated again)."""
    document = benchmark.model_dump(by_alias=True, exclude_none=True)
    document["spec"]["engine"]["type"] = engine
    document["spec"]["engine"].pop("image", None)
    return check_benchmark(document)


def exit_status(result: RunResult) -> int:
    return {"Passed": 0, "Failed": EXIT_FAILED, "Invalid": EXIT_INVALID}[result.verdict]


def cmd_validate(args: argparse.Namespace) -> int:
    benchmark = load_checked(args.file)
    baseline = benchmark.spec.baseline
    if baseline is not None and baseline.result_file is not None:
        load_baseline(args.file, benchmark)  # what kobench run reads before it starts
    print(f"{args.file}: valid {benchmark.kind} {benchmark.metadata.name}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    del args
    print(json.dumps(result_schema(), indent=2))
    return 0


def cmd_role(args: argparse.Namespace) -> int:
    """``kobench role ...``: a measuring role, or a target's opening or cleanup."""
    if args.role in target_roles.TARGET_ROLES:
        return target_roles.run(args)
    return role_main.run(args)


def cmd_reference(args: argparse.Namespace) -> int:
    from kobench.api.reference import reference_markdown

    if args.docs is None:
        print(reference_markdown())
        return 0
    from kobench.present.reference_pages import write_pages

    directory = Path(args.docs)
    if not directory.is_dir():
        raise InputError(f"--docs {directory}: not a directory (the docs' reference/ folder)")
    try:
        written = write_pages(directory)
    except OSError as exc:
        raise InputError(f"--docs {directory}: {exc.strerror or exc}") from None
    print(f"{directory}: {'wrote ' + ', '.join(written) if written else 'already up to date'}")
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
    add_target_option(run)
    run.add_argument("--html", metavar="FILE", help="also write the report page (self-contained)")
    run.add_argument("--json", action="store_true", help="print the result document, not a table")
    run.add_argument("--wide", action="store_true", help="all columns (wider than 100)")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    run.set_defaults(handler=cmd_run)

    add_compare_parser(sub)
    add_export_parser(sub)

    validate = sub.add_parser("validate", help="check a benchmark file without running it")
    validate.add_argument("file", help="a KeyDBObserverBenchmark YAML file ('-': stdin)")
    validate.set_defaults(handler=cmd_validate)

    schema = sub.add_parser("result-schema", help="print the JSON schema of result documents")
    schema.set_defaults(handler=cmd_schema)

    reference = sub.add_parser("reference", help="print the resource reference (Markdown)")
    reference.add_argument(
        "--docs", metavar="DIR", help="write the docs site's generated reference pages into DIR"
    )
    reference.set_defaults(handler=cmd_reference)

    role = sub.add_parser("role", help="run one writer or observer (inside a pod)")
    target_roles.add_arguments(role_main.add_arguments(role))
    role.set_defaults(handler=cmd_role)

    from kobench.present.operator_commands import add_subcommands  # crd, operator, report

    add_subcommands(sub)
    return parser


def _third_party(exc: Exception) -> tuple[str, int] | None:
    """A message and an exit status for errors of the libraries at the edge (kubeconfig, API
    server, files)."""
    module = type(exc).__module__
    if module.startswith("kubernetes_asyncio.config"):
        return (
            f"no usable Kubernetes configuration: {exc} (set KUBECONFIG or run in a cluster)",
            EXIT_CLUSTER,
        )
    if module.startswith("aiohttp"):
        return f"cannot reach the Kubernetes API server: {exc}", EXIT_CLUSTER
    if isinstance(exc, OSError):
        return str(exc), EXIT_FAILED
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
    except Unsupported as exc:
        print(f"kobench: the engine cannot run this benchmark:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except SpecError as exc:
        print(f"kobench: invalid benchmark:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"kobench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ClusterUnreadable as exc:
        print(f"kobench: {exc}", file=sys.stderr)
        return EXIT_CLUSTER
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
        known = _third_party(exc)
        if known is None:
            raise
        print(f"kobench: {known[0]}", file=sys.stderr)
        return known[1]
