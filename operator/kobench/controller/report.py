"""``kobench report NAME``: the result table of a benchmark's run, read from the cluster.

It reads the resource's status and the results ConfigMap that the status names, and prints the
same table as ``kobench run`` does locally. Works from anywhere the kubeconfig reaches.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, TextIO

from kubernetes_asyncio import client, config

from kobench.controller.kube import Kube, load_config
from kobench.errors import KobenchError
from kobench.results import RunResult
from kobench.runners.kubernetes.roles import RESULT_KEY
from kobench.runners.table import render_result

EXIT_CODES = {"Passed": 0, "Failed": 1, "Invalid": 3}
EXIT_NOT_FINISHED = 4


def _current_namespace() -> str:
    try:
        _, active = config.list_kube_config_contexts()
    except (config.ConfigException, OSError, TypeError):
        return "default"
    namespace = (active or {}).get("context", {}).get("namespace")
    return str(namespace) if namespace else "default"


async def fetch_report(
    name: str, namespace: str, run_id: str | None = None
) -> tuple[dict[str, Any], RunResult | None]:
    """The benchmark's status and the merged result of its last (or the named) run."""
    await load_config()
    async with client.ApiClient() as api:
        kube = Kube(api)
        body = await kube.get_benchmark(namespace, name)
        if body is None:
            raise KobenchError(f"benchmark {namespace}/{name} not found")
        status: dict[str, Any] = body.get("status") or {}
        config_map = status.get("resultsConfigMap") or ""
        if run_id is not None:
            entries = [h for h in status.get("history") or [] if h.get("runId") == run_id]
            if not entries:
                raise KobenchError(f"run {run_id} is not in the history of {namespace}/{name}")
            config_map = entries[0].get("resultsConfigMap") or ""
        if not config_map:
            return status, None
        found = await kube.get_config_map(namespace, config_map)
        if found is None or RESULT_KEY not in (found.get("data") or {}):
            raise KobenchError(f"results ConfigMap {namespace}/{config_map} is missing")
        document = json.loads(found["data"][RESULT_KEY])
        return status, RunResult.model_validate(document)


def print_report(
    name: str,
    namespace: str | None = None,
    *,
    run_id: str | None = None,
    output: TextIO | None = None,
    as_json: bool = False,
) -> int:
    """Print the run's table (or its JSON document); the exit code follows the verdict."""
    out = output or sys.stdout
    ns = namespace or _current_namespace()
    status, result = asyncio.run(fetch_report(name, ns, run_id))
    if result is None:
        out.write(
            f"{ns}/{name}: phase {status.get('phase') or 'Pending'}"
            f" - {status.get('message') or 'no result yet'}\n"
        )
        for reason in status.get("reasons") or []:
            out.write(f"  - {reason}\n")
        if status.get("phase") == "Failed":
            return EXIT_CODES["Failed"]
        return EXIT_NOT_FINISHED
    if as_json:
        out.write(result.model_dump_json(by_alias=True, indent=2) + "\n")
    else:
        out.write(render_result(result, color=out.isatty()))
    return EXIT_CODES[result.verdict]
