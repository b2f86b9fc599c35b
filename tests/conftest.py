"""Shared test wiring: the harness (``testkit``) provides the Kubernetes and Toxiproxy fixtures
as plugins; each tier folder's ``conftest.py`` marks its tests with the tier."""

import pytest

# Helpers outside the test modules fail with the values they compared, as the tests do.
pytest.register_assert_rewrite("testkit", "tests")

pytest_plugins = ["testkit.kube_fixtures", "testkit.toxiproxy"]
