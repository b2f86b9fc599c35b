"""``spec.engine.tls`` as plain data: the servers' TLS arguments override the plain port the
engine's own arguments set, and each executor says whether it can do it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kobench.api.matrix_spec import plan_cells
from kobench.plugins.checks import check_spec
from kobench.plugins.engines import get_engine
from kobench.roles.role_config import Endpoint
from kobench.run.local.local_tls import LocalCertificates, local_access, tls_args
from kobench.run.spec_check import spec_problems

FILES = LocalCertificates(
    ca=Path("/r/ca.pem"), cert=Path("/r/server.pem"), key=Path("/r/server.key")
)


@pytest.mark.parametrize("engine_type", ["keydb", "redis", "valkey"])
def test_the_last_port_argument_closes_the_plain_port(engine_type: str) -> None:
    spec = check_spec({"engine": {"type": engine_type, "replicas": 2, "tls": True}})
    engine = get_engine(engine_type)
    args = engine.server_args(
        1,
        [Endpoint(host="127.0.0.1", port=7000), Endpoint(host="127.0.0.1", port=7001)],
        spec=spec.engine,
        password=None,
    )
    args += tls_args(7001, FILES)
    ports = [args[i + 1] for i, word in enumerate(args) if word == "--port"]
    assert ports[-1] == "0"
    assert args[args.index("--tls-port") + 1] == "7001"
    assert args[args.index("--tls-replication") + 1] == "yes"
    assert local_access(FILES).tls and local_access(FILES).ca_file == "/r/ca.pem"


def test_tls_for_own_engines_runs_in_both_executors() -> None:
    spec = {"engine": {"tls": True}}
    assert spec_problems(spec, reads="files") == []
    assert spec_problems(spec, reads="configMaps") == []
    refused = spec_problems(
        {"engine": {"tls": True}, "target": {"endpoints": ["h:1"]}}, reads="files"
    )
    assert refused[0].startswith("spec.engine.tls: a target run deploys no engine")


def test_a_tls_axis_measures_each_cell_with_and_without_tls() -> None:
    spec = check_spec({"engine": {"type": "valkey"}, "matrix": {"tls": [False, True]}})
    assert spec.matrix is not None
    document = spec.model_dump(by_alias=True, exclude_none=True)
    cells = plan_cells(document, spec.matrix)
    assert [(c.id, c.values, c.spec["engine"]["tls"]) for c in cells] == [
        ("tls=plain", {"tls": "plain"}, False),
        ("tls=tls", {"tls": "tls"}, True),
    ]
