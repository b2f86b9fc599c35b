"""Which engine server executable ``kobench run`` starts, or a message saying how to get one."""

from __future__ import annotations

import shutil

from kobench.errors import EngineUnavailable
from kobench.plugins.engines import Engine


def find_server(engine: Engine, server_binary: str | None) -> str:
    """The server executable, or a message that says how to get one."""
    if server_binary:
        if shutil.which(server_binary) is None:
            raise EngineUnavailable(f"--server-binary {server_binary!r} is not an executable")
        return server_binary
    found = shutil.which(engine.binary)
    if found is None:
        hint = (
            "engine: redis works with Debian's package (apt-get install redis-server)"
            if engine.name != "redis"
            else "install it with: apt-get install redis-server"
        )
        raise EngineUnavailable(
            f"engine {engine.name} needs `{engine.binary}` on PATH or --server-binary; {hint}"
        )
    return found
