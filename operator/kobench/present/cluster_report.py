"""``kobench report SOURCE...``: the results of runs, from result files or from a cluster.

A source is a result document (a path, e.g. from ``kobench run -o``) or a benchmark's name,
read from the resource's status and the results ConfigMap it names. Only a name needs a
kubeconfig. Prints the same table as ``kobench run``; ``--json`` prints the document and
``--html FILE`` writes the report page (several sources: a comparison). The exit status follows
the verdict (:data:`~kobench.present.terminal.EXIT_STATUSES_HELP`): a file that cannot be read
is an :class:`~kobench.errors.InputError` (2), a cluster that cannot be read a
:class:`~kobench.errors.ClusterUnreadable` (5), never the 1 of a Failed run.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kobench.errors import ClusterUnreadable, InputError
from kobench.measure.results import RunResult
from kobench.present.pages import write_html
from kobench.present.result_files import load_run
from kobench.present.run_table import WIDE_WIDTH, render_result
from kobench.present.table_fit import terminal_width
from kobench.present.terminal import EXIT_FAILED, EXIT_INVALID, EXIT_NOT_FINISHED, EXIT_USAGE

if TYPE_CHECKING:
    from kobench.run.pods.kube import Kube

EXIT_CODES = {"Passed": 0, "Failed": EXIT_FAILED, "Invalid": EXIT_INVALID}
SEVERITY = (0, EXIT_NOT_FINISHED, EXIT_FAILED, EXIT_INVALID, EXIT_USAGE)
"""Exit codes from best to worst: Passed, not finished, Failed, Invalid, invalid spec."""


@dataclass(frozen=True)
class Fetched:
    """A benchmark's status, its spec and the merged result of the run asked for (if any)."""

    status: dict[str, Any]
    spec: dict[str, Any] | None
    result: RunResult | None


def is_file_source(source: str) -> bool:
    """A path rather than a benchmark name (names are DNS labels: no '/', no '.json'); a FIFO or
    device by that name is a file too."""
    path = Path(source)
    return "/" in source or source.endswith(".json") or (path.exists() and not path.is_dir())


def _quiet_config_loader() -> None:
    """The config loader warns through logging before it raises; our error says it once."""
    logging.getLogger("kubernetes_asyncio.config.kube_config").setLevel(logging.ERROR)


def _current_namespace() -> str:
    from kubernetes_asyncio import config

    _quiet_config_loader()
    try:
        _, active = config.list_kube_config_contexts()
    except (config.ConfigException, OSError, TypeError):
        return "default"
    namespace = (active or {}).get("context", {}).get("namespace")
    return str(namespace) if namespace else "default"


async def fetch_report(name: str, namespace: str, run_id: str | None = None) -> Fetched:
    """The benchmark's status and the merged result of its last (or the named) run."""
    from kubernetes_asyncio import client, config
    from kubernetes_asyncio.client.exceptions import ApiException

    from kobench.run.pods.kube import Kube, load_config

    _quiet_config_loader()
    try:
        await load_config()
    except (config.ConfigException, OSError) as exc:
        raise ClusterUnreadable(
            f"cannot read benchmark {name!r} from a cluster: no usable Kubernetes configuration: "
            f"{exc} (set KUBECONFIG or run in a cluster; to read a result file, give its path)"
        ) from None
    async with client.ApiClient() as api:
        try:
            return await _read(Kube(api), name, namespace, run_id)
        except ApiException as exc:
            raise ClusterUnreadable(
                f"cannot read benchmark {namespace}/{name}: the API server answered "
                f"{exc.status} {exc.reason}"
            ) from None


async def _read(kube: Kube, name: str, namespace: str, run_id: str | None) -> Fetched:
    from kobench.run.pods.role_manifests import RESULT_KEY

    body = await kube.get_benchmark(namespace, name)
    if body is None:
        raise ClusterUnreadable(f"benchmark {namespace}/{name} not found")
    status: dict[str, Any] = body.get("status") or {}
    spec = body.get("spec")
    config_map = status.get("resultsConfigMap") or ""
    if run_id is not None:
        entries = [h for h in status.get("history") or [] if h.get("runId") == run_id]
        if not entries:
            raise InputError(f"--run {run_id}: not in the history of {namespace}/{name}")
        config_map = entries[0].get("resultsConfigMap") or ""
    if not config_map:
        return Fetched(status, spec, None)
    found = await kube.get_config_map(namespace, config_map)
    if found is None or RESULT_KEY not in (found.get("data") or {}):
        raise ClusterUnreadable(f"results ConfigMap {namespace}/{config_map} is missing")
    document = json.loads(found["data"][RESULT_KEY])
    return Fetched(status, spec, RunResult.model_validate(document))


def print_unfinished(name: str, namespace: str, status: dict[str, Any], out: TextIO) -> int:
    out.write(
        f"{namespace}/{name}: phase {status.get('phase') or 'Pending'}"
        f" - {status.get('message') or 'no result yet'}\n"
    )
    for reason in status.get("reasons") or []:
        out.write(f"  - {reason}\n")
    phase = status.get("phase")
    return {"Failed": EXIT_FAILED, "Error": EXIT_USAGE}.get(phase or "", EXIT_NOT_FINISHED)


def print_report(
    name: str,
    namespace: str | None = None,
    *,
    run_id: str | None = None,
    output: TextIO | None = None,
    as_json: bool = False,
) -> int:
    """Print one cluster run's table (or its JSON document); the exit code follows the verdict."""
    return report(
        [name], namespace=namespace, run_id=run_id, output=output, as_json=as_json, html=None
    )


def report(
    sources: list[str],
    *,
    namespace: str | None = None,
    run_id: str | None = None,
    output: TextIO | None = None,
    as_json: bool = False,
    html: Path | None = None,
    wide: bool = False,
) -> int:
    """Read every source, print each table (or the one JSON document), write the page.

    The exit code is the worst of :data:`SEVERITY` over the sources.
    """
    out = output or sys.stdout
    if as_json and len(sources) != 1:
        raise InputError("--json prints one result document: give one source")
    results: list[RunResult] = []
    specs: list[dict[str, Any] | None] = []
    codes: list[int] = []
    for source in sources:
        if is_file_source(source):
            results.append(load_run(Path(source)))
            specs.append(None)
            continue
        ns = namespace or _current_namespace()
        fetched = asyncio.run(fetch_report(source, ns, run_id))
        if fetched.result is None:
            codes.append(print_unfinished(source, ns, fetched.status, out))
            continue
        results.append(fetched.result)
        specs.append(fetched.spec)
    for result in results:
        if as_json:
            out.write(result.model_dump_json(by_alias=True, indent=2) + "\n")
        else:
            width = terminal_width() if out is sys.stdout else None
            if width is not None and wide:
                width = max(width, WIDE_WIDTH)
            out.write(render_result(result, wide=wide, color=out.isatty(), width=width))
        codes.append(EXIT_CODES[result.verdict])
    if html is not None and results:
        write_html(html, results, specs)
        print(f"kobench: report written to {html}", file=sys.stderr)
    return max(codes, key=SEVERITY.index)
