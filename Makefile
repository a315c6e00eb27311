# ePS2: `make run` starts the local stack, `make test` runs the whole suite. Both install what is missing.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= eu-central-1

.PHONY: run reset test lint typecheck unit integration package site deps system-deps clean bench reliability

$(STAMP): requirements.txt requirements-dev.txt iot/requirements.txt
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip<26.3'
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

AXE := node_modules/axe-core/axe.min.js

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent

deps: $(STAMP) system-deps $(AXE)

system-deps:
	@bash scripts/system-deps.sh

run: $(STAMP)
	@bash scripts/system-deps.sh run
	$(BIN)/python -m devstack.run

# Delete the local stack's data (EPS2_DATA_DIR, default .local/data): the next `make run` starts clean.
reset: $(STAMP)
	$(BIN)/python -m devstack.datadir reset

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy chalicelib iot

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: deps
	$(BIN)/pytest -q tests/integration

# Two workers by default (pytest-xdist, whole files to a worker, each worker its own local stack on free ports):
# most tests wait on sockets and doors, so two stacks on two cores take about half the time. TEST_WORKERS=0: one.
# The reliability suite (the fuzz run saturates a core; the broker outage stops the broker) runs after, alone.
TEST_WORKERS ?= 2
test: deps lint typecheck
	$(BIN)/pytest -q $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile) \
		-m "not reliability and not serial" --durations=20 tests
	$(BIN)/pytest -q -m "reliability or serial" --durations=5 tests

# The portal as a static site in build/site (SITE_URL: its public address, for the sitemap and JSON-LD).
# The stylesheets are compiled from templates/scss only when their sources changed (that needs npm ci).
site: $(STAMP)
	@$(BIN)/python -m infra.site_styles --check >/dev/null || $(MAKE) css
	$(BIN)/python -m infra.build_site build/site $(if $(SITE_URL),--base-url $(SITE_URL))

# Publish build/site (run `make site` first) to the bucket of stack eps2-$(STAGE); BUCKET= overrides the bucket,
# INVALIDATE=1 then invalidates /* on the stage's CloudFront distribution.
.PHONY: deploy-site
deploy-site: $(STAMP)
	$(if $(STAGE),,$(error STAGE is required, e.g. make deploy-site STAGE=prod))
	$(BIN)/python -m infra.deploy_site --stage $(STAGE) $(if $(BUCKET),--bucket $(BUCKET)) $(if $(INVALIDATE),--invalidate)

css: $(STAMP) $(AXE)
	$(BIN)/python -m infra.site_styles

package: $(STAMP)
	bash scripts/package.sh

# The reliability suite alone, with a deeper fuzz run than make test's (EPS2_FUZZ_EXAMPLES, default 50 here).
reliability: deps
	EPS2_FUZZ_EXAMPLES=$(or $(EPS2_FUZZ_EXAMPLES),50) $(BIN)/pytest -q -m reliability -s tests

bench: deps
	$(BIN)/python -m bench.all

clean:
	rm -rf build vendor .local .pytest_cache .mypy_cache .ruff_cache node_modules test-artifacts
