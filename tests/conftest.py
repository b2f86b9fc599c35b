"""Shared test wiring: the Kubernetes fixtures live in a plugin of their own."""

pytest_plugins = ["tests.plugins.kube"]
