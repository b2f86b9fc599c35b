"""The cluster tier: pods that run on real nodes (one, or three for ``kube_three_nodes``). Every
test under ``tests/cluster/`` is marked ``cluster``."""

from __future__ import annotations

import pytest


def pytest_itemcollected(item: pytest.Item) -> None:
    item.add_marker(pytest.mark.cluster)
