# The whole test suite: lint, types, architecture, then every test tier.
# Engine tests need redis-server and valkey-server; Kubernetes tests use the cluster that
# hack/cluster builds and starts (see hack/README.md). `.ci/run` installs all of it first.
PYTHON ?= python3
PYTEST ?= $(PYTHON) -m pytest

.PHONY: test lint unit engine kube quickstart

# Tiers are folders under tests/ whose conftest.py marks their tests (unit, engine, controlplane,
# cluster); each pytest call prints its 15 slowest tests. `make test` is these four targets in
# order; .ci/run runs lint and unit while it builds Kubernetes, then engine and kube.
test: lint unit engine kube

lint:
	$(PYTHON) -m pip install -q -e '.[dev]'
	ruff check operator tests benchmarks testkit
	ruff format --check operator tests benchmarks testkit
	mypy
	lint-imports
	NO_MKDOCS_2_WARNING=1 $(PYTHON) -m mkdocs build --strict --quiet --site-dir build/site
	shellcheck -x hack/cluster hack/images/build hack/images/faketime/kobench hack/lib/*.sh .ci/run

unit:
	$(PYTEST) -m unit --durations=15

engine:
	$(PYTEST) -m engine --durations=15

kube:
	$(PYTEST) -m "controlplane or cluster" --durations=15

quickstart:
	kobench run examples/quickstart.yaml
