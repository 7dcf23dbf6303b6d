# apiops.credentials: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
BIN := $(VENV)/bin
COLLECTIONS := $(ROOT)/.tmp/collections
COLL := $(COLLECTIONS)/ansible_collections/apiops/credentials
PYVER = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)
# The procedure write-ups; the benchmark and one emulator test run the published sample script from seed 002.
export APIOPS_SEEDS_DIR ?= $(ROOT)/../shared/seeds


.PHONY: help venv pip-bootstrap collection sanity units integration system test demo bench clean

help:
	@echo "make demo   run the playbooks against the local emulators (dry run, then for real)"
	@echo "make test   sanity (no ignores), unit, integration and system tests"
	@echo "make bench  API Connect catalog rotation: the published sample script against our playbook"

venv:
	@hack/bootstrap-venv.sh

# ansible-test must run from .../ansible_collections/apiops/credentials, so test a fresh copy of the tree there.
collection: venv
	@rm -rf $(COLL) && mkdir -p $(COLL)
	@tar --exclude=./.venv --exclude=./.tmp --exclude=./.git --exclude='__pycache__' --exclude='.pytest_cache' \
	     --exclude=./tests/output --exclude=./demo -cf - . | tar -xf - -C $(COLL)
	@# ansible-test lists files with git; give the copy its own index so it does not see the outer repo's .gitignore.
	@cd $(COLL) && git init -q && git add -A

# ansible-test --venv fetches a pip bootstrap script from a host outside the package registries; hand it ours.
pip-bootstrap: venv
	@version=$$($(BIN)/python -c 'import re, ansible_test, os; d = os.path.dirname(ansible_test.__file__); \
	  print(re.search(r"pip=.([0-9.]+).", open(d + "/_internal/python_requirements.py").read()).group(1))'); \
	  cache=$$HOME/.ansible/test/cache/get_pip_$${version//./_}.py; \
	  [ -f "$$cache" ] || { mkdir -p "$$(dirname "$$cache")" && cp hack/get_pip.py "$$cache"; }

sanity: collection pip-bootstrap
	cd $(COLL) && ansible-test sanity --venv --python $(PYVER) --color no

units: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

integration: collection
	cd $(COLL) && PYTHONPATH=$(COLL) $(BIN)/python -m tests.emulators.launch \
	    --config-out tests/integration/integration_config.yml -- \
	    ansible-test integration --local --python $(PYVER) --color no --diff

system: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider tests/system

test: sanity units integration system
	@echo "make test: all green"

demo: collection
	cd $(COLL) && DEMO_DIR=$(ROOT)/demo PYTHONPATH=$(COLL) $(BIN)/python -m tests.emulators.launch -- $(BIN)/python -m tests.demo

# The sample script is read from the procedure write-up (seed 002) at run time.
bench: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m tests.bench.bench_apic_rotation

clean:
	rm -rf .tmp .venv demo
