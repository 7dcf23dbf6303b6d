# apiops.credentials: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
# Two legs: the newest ansible-core (make demo, integration, lint, the package) and the oldest we support
# (Automation Platform 2.5). make test runs sanity, unit and system tests on both.
LEG ?= newest
VENV_newest := $(ROOT)/.venv
REQS_newest := requirements-dev.txt
PYTHONS_newest := 12 14
VENV_oldest := $(ROOT)/.venv-oldest
REQS_oldest := requirements-oldest.txt
PYTHONS_oldest := 10 11
VENV := $(VENV_$(LEG))
BIN := $(VENV)/bin
COLLECTIONS := $(ROOT)/.tmp/$(LEG)/collections
COLL := $(COLLECTIONS)/ansible_collections/apiops/credentials
PYVER = $(shell $(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PATH := $(BIN):$(PATH)
# The procedure write-ups; the benchmark and one emulator test run the published sample script from seed 002.
export APIOPS_SEEDS_DIR ?= $(ROOT)/../shared/seeds

.PHONY: help venv collection pip-bootstrap sanity units integration system system-oldest system-and-chaos lint package \
        test test-newest test-oldest demo bench chaos chaos-bounded clean

help:
	@echo "make demo   run the playbooks against the local emulators (dry run, then for real)"
	@echo "make test   sanity (no ignores), unit, integration, system and leak tests on the oldest and newest"
	@echo "            ansible-core, ansible-lint, galaxy-importer, the execution environment and the package"
	@echo "make bench  benchmarks: API Connect catalog (sample script vs playbook), the engine's playbooks vs their floor,"
	@echo "            one job vs the same job in AWX slices"
	@echo "make chaos  the whole fault matrix (every fault at every position of every scenario); make test runs a sample"

venv:
	@hack/bootstrap-venv.sh $(VENV) $(REQS_$(LEG)) $(PYTHONS_$(LEG))

# ansible-test must run from .../ansible_collections/apiops/credentials, so test a fresh copy of the tree there.
collection: venv
	@rm -rf $(COLL) && mkdir -p $(COLL)
	@tar --exclude=./.venv --exclude=./.venv-oldest --exclude=./.tmp --exclude=./.git --exclude='__pycache__' \
	     --exclude='.pytest_cache' --exclude=./tests/output --exclude=./demo --exclude=./.ansible -cf - . | tar -xf - -C $(COLL)
	@# ansible-test lists files with git; give the copy its own index so it does not see the outer repo's .gitignore.
	@cd $(COLL) && git init -q && git add -A

# ansible-test --venv fetches a pip bootstrap script from a host outside the package registries; hand it ours.
pip-bootstrap: venv
	@version=$$($(BIN)/python -c 'import re, ansible_test, os; d = os.path.dirname(ansible_test.__file__); \
	  print(re.search(r"pip=.([0-9.]+).", open(d + "/_internal/python_requirements.py").read()).group(1))'); \
	  cache=$$HOME/.ansible/test/cache/get_pip_$${version//./_}.py; \
	  cmp -s hack/get_pip.py "$$cache" || { mkdir -p "$$(dirname "$$cache")" && cp hack/get_pip.py "$$cache"; }

sanity: collection pip-bootstrap
	cd $(COLL) && ansible-test sanity --venv --python $(PYVER) --color no

units: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests/unit

integration: collection
	cd $(COLL) && PYTHONPATH=$(COLL) $(BIN)/python -m tests.emulators.launch \
	    --config-out tests/integration/integration_config.yml -- \
	    ansible-test integration --local --python $(PYVER) --color no --diff

system: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests/system

# The oldest leg runs the system tests that meet ansible-core itself (roles, no_log, AWX jobs, modules); scenarios whose
# logic is the collection's own Python (marked newest_only) run on the newest leg, with the fault matrix's sample.
system-oldest: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider -n 3 -m "not newest_only" tests/system

# One pytest run for both, so the two workers stay busy to the end.
system-and-chaos: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider -n 3 tests/system tests/chaos

# The fault matrix (tests/chaos): a sample covering every scenario and fault in make test, every position in make chaos.
chaos-bounded: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests/chaos

# The whole matrix takes hours on 2 cores. Its results go to .tmp/chaos/<commit>.jsonl; RESUME=1 goes on from there
# (positions already passed on the same commit are skipped), SHARD=k/n runs one n-th of the cases.
# It runs on a copy of its own, so that make test can run meanwhile.
CHAOS_RESULTS = $(ROOT)/.tmp/chaos/$(shell git -C $(ROOT) rev-parse --short HEAD 2>/dev/null || echo tree).jsonl
chaos: COLLECTIONS = $(ROOT)/.tmp/chaos/collections
chaos: COLL = $(ROOT)/.tmp/chaos/collections/ansible_collections/apiops/credentials
chaos: export ANSIBLE_COLLECTIONS_PATH = $(ROOT)/.tmp/chaos/collections
chaos: collection
	mkdir -p $(ROOT)/.tmp/chaos
	cd $(COLL) && APIOPS_CHAOS=full APIOPS_CHAOS_RESULTS=$(CHAOS_RESULTS) APIOPS_CHAOS_RESUME=$(if $(RESUME),1,0) \
	    APIOPS_CHAOS_SHARD=$(SHARD) PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 tests/chaos \
	    tests/system/test_leaks.py

# ansible-lint's production profile over roles and playbooks, and a syntax check of every playbook.
lint: collection
	cd $(COLL) && for playbook in playbooks/*.yml; do ansible-playbook -i localhost, --syntax-check "$$playbook" >/dev/null; done
	cd $(COLL) && ansible-lint --profile production --offline --nocolor -q
	cd $(COLL) && antsibull-changelog lint

# The tarball as a user gets it, built from this tree after make demo has left its secrets in it; then the checks
# Galaxy and Automation Hub run on it, and ansible-builder on the execution environment definition.
package: venv
	$(MAKE) demo
	rm -rf .tmp/dist && mkdir -p .tmp/dist
	ansible-galaxy collection build --force --output-path .tmp/dist . >/dev/null
	PYTHONPATH=$(ROOT) DEMO_DIR=$(ROOT)/demo $(BIN)/python -m pytest -q -p no:cacheprovider tests/package

test-newest:
	$(MAKE) LEG=newest sanity units integration system-and-chaos lint package

test-oldest:
	$(MAKE) LEG=oldest sanity units system-oldest

test: test-oldest test-newest
	@echo "make test: all green"

demo: collection
	cd $(COLL) && DEMO_DIR=$(ROOT)/demo PYTHONPATH=$(COLL) $(BIN)/python -m tests.emulators.launch -- $(BIN)/python -m tests.demo

# Every benchmark runs to its end and prints its table; then the targets missed, by benchmark (non-zero if any).
# The sample script is read from the procedure write-up (seed 002) at run time.
bench: collection
	cd $(COLL) && PYTHONPATH=$(COLLECTIONS):$(COLL) $(BIN)/python -m tests.bench.run_all

clean:
	rm -rf .tmp .venv .venv-oldest demo .ansible
