"""``kubectl kobench``: kobench from the kubectl a user already has (the ``kubectl-kobench``
executable on PATH is what makes ``kubectl kobench ...`` work).

- ``run FILE``: check the file as ``kobench validate`` does, apply it with a new
  ``spec.runNonce`` (so it runs, whether the resource existed or not), wait for the run to end,
  print the table of ``kobench run``. ``--dry-run`` prints the resource instead of applying it.
- ``get [NAME]``: the benchmarks (kubectl's columns), or one benchmark's table.
- ``wait NAME``: until the current run ends; the exit status is its verdict.
- ``fetch NAME``: the result documents into files (:mod:`kobench.present.kubectl_fetch`).

Every call goes through ``kubectl`` (:mod:`kobench.present.kubectl_client`). The exit statuses
are ``kobench report``'s (:data:`~kobench.present.terminal.EXIT_STATUSES_HELP`). The pieces
are in :mod:`kobench.present.kubectl_runs`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import yaml

from kobench import __version__
from kobench.api import load_document
from kobench.errors import ClusterUnreadable, InputError, KobenchError, SpecError
from kobench.present.kubectl_client import RESOURCE, Kubectl
from kobench.present.kubectl_fetch import fetch, output_dir
from kobench.present.kubectl_runs import (
    dry_run_document,
    new_nonce,
    parse_duration,
    show,
    wait_for,
)
from kobench.present.terminal import (
    EXIT_CLUSTER,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOT_FINISHED,
    EXIT_STATUSES_HELP,
    EXIT_USAGE,
)


def kubectl_of(args: argparse.Namespace) -> Kubectl:
    return Kubectl(args.namespace, args.context, args.kubeconfig)


def say_for(args: argparse.Namespace) -> Callable[[str], None]:
    def say(line: str) -> None:
        if not args.quiet:
            print(f"kubectl-kobench: {line}", file=sys.stderr, flush=True)

    return say


def cmd_run(args: argparse.Namespace) -> int:
    timeout_s = parse_duration("--timeout", args.timeout)
    _, loaded = load_document(args.file)
    resource = dry_run_document(
        loaded.data, new_nonce(), args.namespace, found=list(loaded.duplicates)
    )
    if args.dry_run:
        sys.stdout.write(yaml.safe_dump(resource, sort_keys=False))
        return 0
    kubectl = kubectl_of(args)
    applied = kubectl.apply(resource)
    name, namespace = applied["metadata"]["name"], applied["metadata"]["namespace"]
    say = say_for(args)
    say(f"applied {RESOURCE}/{name} in {namespace} (runNonce {resource['spec']['runNonce']})")
    kubectl = kubectl.within(namespace)
    body, status = wait_for(kubectl, name, resource["spec"]["runNonce"], timeout_s, say)
    if status == EXIT_NOT_FINISHED:
        say(f"--timeout {args.timeout}: still running; follow it with kubectl kobench wait {name}")
        return status
    return show(kubectl, body, as_json=args.json, wide=args.wide)


def cmd_get(args: argparse.Namespace) -> int:
    kubectl = kubectl_of(args)
    if args.name is None:
        scope = ["--all-namespaces"] if args.all_namespaces else []
        return kubectl.passthrough("get", RESOURCE, *scope)
    body = kubectl.benchmark(args.name)
    return show(kubectl, body, run_id=args.run, as_json=args.json, wide=args.wide)


def cmd_wait(args: argparse.Namespace) -> int:
    timeout_s = parse_duration("--timeout", args.timeout)
    kubectl = kubectl_of(args)
    nonce = ((kubectl.benchmark(args.name).get("spec") or {}).get("runNonce")) or ""
    body, status = wait_for(kubectl, args.name, str(nonce), timeout_s, say_for(args))
    state = body.get("status") or {}
    verdict = f", verdict {state['verdict']}" if state.get("verdict") else ""
    print(f"{args.name}: {state.get('phase') or 'Pending'}{verdict} (run {state.get('runId')})")
    return status


def cmd_fetch(args: argparse.Namespace) -> int:
    out = output_dir(args.output_dir)
    written = fetch(kubectl_of(args), args.name, out, args.run)
    for path in written:
        print(path)
    if not written:
        print(f"kubectl-kobench: {args.name}: no results yet", file=sys.stderr)
        return EXIT_NOT_FINISHED
    return 0


def connection_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """kubectl passes a plugin its arguments untouched: these are accepted before or after the
    subcommand (after it, a value given before is kept unless given again)."""
    default = None if top else argparse.SUPPRESS
    parser.add_argument(
        "--namespace", "-n", default=default, help="the namespace (default: kubectl's)"
    )
    parser.add_argument("--context", default=default, help="the kubeconfig context kubectl uses")
    parser.add_argument("--kubeconfig", default=default, help="the kubeconfig file kubectl reads")
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="no progress lines",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kubectl kobench",
        description="Run and read kobench benchmarks through kubectl.",
        epilog=EXIT_STATUSES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"kubectl-kobench {__version__}")
    connection_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="apply a benchmark file, wait for its run, print the table")
    run.add_argument("file", help="a KeyDBObserverBenchmark YAML file ('-': stdin)")
    run.add_argument("--dry-run", action="store_true", help="print the resource; apply nothing")
    run.add_argument("--timeout", default="1h", help="how long to wait (90s, 10m, 1h; default 1h)")
    run.add_argument("--json", action="store_true", help="print the result document, not a table")
    run.add_argument("--wide", action="store_true", help="all columns (wider than 100)")
    run.set_defaults(handler=cmd_run)

    get = sub.add_parser("get", help="list the benchmarks, or show one benchmark's table")
    get.add_argument("name", nargs="?", help="a benchmark (default: list them all)")
    get.add_argument("--all-namespaces", "-A", action="store_true", help="list every namespace's")
    get.add_argument("--run", help="a run id from status.history (default: the last run)")
    get.add_argument("--json", action="store_true", help="print the result document, not a table")
    get.add_argument("--wide", action="store_true", help="all columns (wider than 100)")
    get.set_defaults(handler=cmd_get)

    wait = sub.add_parser("wait", help="wait until a benchmark's run ends; exit by its verdict")
    wait.add_argument("name", help="a benchmark")
    wait.add_argument("--timeout", default="1h", help="how long to wait (90s, 10m, 1h; default 1h)")
    wait.set_defaults(handler=cmd_wait)

    fetch_ = sub.add_parser("fetch", help="download a run's or a matrix's result documents")
    fetch_.add_argument("name", help="a benchmark, a matrix or one of a matrix's runs")
    fetch_.add_argument("--run", help="a run id from status.history (default: the last run)")
    fetch_.add_argument("--output-dir", "-o", default=".", help="where to write (default: .)")
    fetch_.set_defaults(handler=cmd_fetch)
    for each in (run, get, wait, fetch_):
        connection_options(each, top=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
        return status
    except SpecError as exc:
        print(f"kubectl-kobench: invalid benchmark:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as exc:
        print(f"kubectl-kobench: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ClusterUnreadable as exc:
        print(f"kubectl-kobench: {exc}", file=sys.stderr)
        return EXIT_CLUSTER
    except KobenchError as exc:
        print(f"kubectl-kobench: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("kubectl-kobench: interrupted (the run goes on in the cluster)", file=sys.stderr)
        return EXIT_INTERRUPTED
