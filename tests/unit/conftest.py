"""The unit tier: pure functions, kobench's commands on files, headless Chromium; no engine
server, no API server. Every test under ``tests/unit/`` is marked ``unit``."""

from __future__ import annotations

import pytest


def pytest_itemcollected(item: pytest.Item) -> None:
    item.add_marker(pytest.mark.unit)
