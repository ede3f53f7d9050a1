# Build and test tooling for the hwcloud.maintenance collection (repo root = collection root).
# `make test` runs every check and is what CI runs (.ci/run); each check is also a target of its own.
# Helper scripts live in scripts/; each target below does one job.

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON          ?= python3
ROOT            := $(CURDIR)
VENV            := $(ROOT)/.venv
VENV_BIN        := $(VENV)/bin
VENV_STAMP      := $(VENV)/.requirements-installed
BUILD           := $(ROOT)/build
COLLECTIONS     := $(BUILD)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/hwcloud/maintenance
DIST            := $(BUILD)/dist
INSTALL_PATH    := $(BUILD)/install
DOCSITE         := $(BUILD)/docsite
DEMO_INVENTORY  := tests/emulator/fleets/demo-inventory.yml
# Extra arguments for pytest, e.g. `make unit PYTEST_ARGS="-k auth -x"`.
PYTEST_ARGS     ?=
# Integration tests are independent (own emulator on a free port, own tmp_path), so they run in parallel:
# measured here, 12 playbook runs take 30 s with one worker and 20 s with two (2 CPUs). worksteal keeps
# both workers busy when test durations are uneven. INTEGRATION_WORKERS=0 runs them in one process.
INTEGRATION_WORKERS ?= 2

# Every tool comes from the venv; every Ansible command sees the collection through the symlink.
export PATH                     := $(VENV_BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR          := 1
export ANSIBLE_FORCE_COLOR      := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# Python code run by these targets imports the collection as ansible_collections.hwcloud.maintenance
# and the emulator as `emulator` (from tests/).
demo unit integration compat molecule bench bench-smoke: export PYTHONPATH := $(ROOT)/tests:$(COLLECTIONS)

# `make test` runs its checks one after the other, in the order given, and stops at the first failure.
.NOTPARALLEL:

.PHONY: help venv collection demo test sanity lint unit integration molecule docs-lint galaxy-import \
        changelog-lint bench bench-smoke compat clean distclean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

venv: $(VENV_STAMP) ## Create .venv from requirements-dev.txt (again whenever the requirements change)

$(VENV_STAMP): requirements-dev.txt requirements.txt
	test -x $(VENV_BIN)/python || $(PYTHON) -m venv $(VENV)
	$(VENV_BIN)/python -m pip install --quiet --requirement requirements-dev.txt
	touch $@

collection: ## Make the collection visible as build/collections/ansible_collections/hwcloud/maintenance
	mkdir -p $(dir $(COLLECTION_LINK))
	ln -sfn ../../../.. $(COLLECTION_LINK)

demo: venv collection ## Start the emulator with the demo fleet and run playbooks/demo.yml against it
	scripts/with-emulator.sh bash -c 'ansible-playbook playbooks/demo.yml -i $(DEMO_INVENTORY) \
	    -e hwcloud_emulator_url="$$HWCLOUD_EMULATOR_URL"'

test: sanity lint unit integration compat molecule docs-lint galaxy-import changelog-lint bench-smoke ## Every check (CI)

sanity: venv ## ansible-test sanity, all tests, on a staged copy of the collection
	scripts/sanity.sh

lint: venv collection ## ansible-lint, production profile
	ansible-lint --offline --profile production

unit: venv collection ## pytest tests/unit
	scripts/pytest.sh tests/unit $(PYTEST_ARGS)

integration: venv collection ## pytest tests/integration (real ansible-playbook against the emulator)
	scripts/pytest.sh tests/integration -n $(INTEGRATION_WORKERS) --dist worksteal $(PYTEST_ARGS)

compat: venv collection ## The integration tests that drive ansible-core, on ansible-core 2.17 and 2.18
	scripts/compat.sh 2.17 -n $(INTEGRATION_WORKERS) --dist worksteal $(PYTEST_ARGS)
	scripts/compat.sh 2.18 -n $(INTEGRATION_WORKERS) --dist worksteal $(PYTEST_ARGS)

molecule: venv collection ## molecule test for every role that has scenarios
	scripts/molecule.sh

docs-lint: venv collection ## antsibull-docs lint, docsite build, ansible-doc of every plugin
	scripts/docs-lint.sh $(DOCSITE)

galaxy-import: venv collection ## Build the tarball, run galaxy-importer on it, install it and use it
	scripts/galaxy-import.sh $(DIST) $(INSTALL_PATH)

changelog-lint: venv ## antsibull-changelog lint (fragments and changelog.yaml)
	antsibull-changelog lint
	antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

bench: venv collection ## Full benchmark (tests/benchmarks/run.py)
	scripts/bench.sh

bench-smoke: venv collection ## Quick benchmark run that only checks it works
	scripts/bench.sh --smoke

clean: ## Remove build output (keeps .venv)
	rm -rf $(BUILD) tests/output .pytest_cache

distclean: clean ## Remove build output and .venv
	rm -rf $(VENV)
