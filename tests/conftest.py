"""Shared test wiring: the harness (``testkit``) provides the Kubernetes and Toxiproxy fixtures
as plugins; each tier folder's ``conftest.py`` marks its tests with the tier, and a test outside
the tier folders, or with a second tier's marker, stops the session."""

from __future__ import annotations

import pytest

# Helpers outside the test modules fail with the values they compared, as the tests do.
pytest.register_assert_rewrite("testkit", "tests")

pytest_plugins = ["testkit.kube_fixtures", "testkit.toxiproxy"]

TIERS = ("unit", "engine", "controlplane", "cluster")
"""The tier folders under ``tests/`` and their markers, cheapest first."""


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by the tier markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    wrong = []
    for item in items:
        tiers = sorted({m.name for m in item.iter_markers() if m.name in TIERS})
        if len(tiers) != 1:
            wrong.append(f"{item.nodeid}: {', '.join(tiers) or 'no tier'}")
    if wrong:
        raise pytest.UsageError(
            "every test lives in one tier folder (tests/unit, tests/engine, tests/controlplane, "
            "tests/cluster) and carries only its marker:\n" + "\n".join(wrong)
        )
