# The whole test suite: lint, types, architecture, then every test tier.
# Engine tests need redis-server and valkey-server; Kubernetes tests use the cluster that
# hack/cluster builds and starts (see hack/README.md). `.ci/run` installs all of it first.
PYTHON ?= python3
PYTEST ?= $(PYTHON) -m pytest

.PHONY: test lint unit engine kube quickstart

test: lint
	$(PYTEST) -m "not controlplane and not cluster"
	$(PYTEST) -m "controlplane or cluster"

lint:
	$(PYTHON) -m pip install -q -e '.[dev]'
	ruff check operator tests benchmarks testkit
	ruff format --check operator tests benchmarks testkit
	mypy
	lint-imports
	shellcheck -x hack/cluster hack/images/build hack/images/faketime/kobench hack/lib/*.sh .ci/run

unit:
	$(PYTEST) -m "not engine and not controlplane and not cluster"

engine:
	$(PYTEST) -m engine

kube:
	$(PYTEST) -m "controlplane or cluster"

quickstart:
	kobench run examples/quickstart.yaml
