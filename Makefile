# Cổng DVC — the only entry points: run, test, lint, typecheck, bench, docs, stop (+ token, schemas).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY_TOOLS := .run/tools
UV := $(shell command -v uv 2>/dev/null || echo $(PY_TOOLS)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
SERVICES := catalog dossier payment feedback notify reporting portal
ROLE ?= citizen

.PHONY: help sync run stop test test-clock test-unit test-integration test-e2e lint typecheck bench docs token schemas migrate keycloak realm faults

help:
	@echo "make run        the whole portal locally (broker, migrations, six services + the citizens' portal on :8006, seed data)"
	@echo "make test       the whole suite (unit + integration + e2e) on a real broker and PostgreSQL"
	@echo "make test-clock the date-sensitive tests at 16:59/17:01/23:59/00:01 UTC, Tết eve, 31/12→1/1"
	@echo "make lint | typecheck | bench | docs | stop | token ROLE=citizen|agency|operator"

$(PY_TOOLS)/bin/uv:
	python3 -m venv $(PY_TOOLS)
	$(PY_TOOLS)/bin/pip install --quiet uv==0.13.8

$(BIN)/python: uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml) | $(UV)
	$(UV) sync --frozen
	@touch $(BIN)/python

sync: $(BIN)/python

migrate: sync
	@for s in $(SERVICES); do $(BIN)/python -m dvckit.migrate dvc_$$s || exit 1; done

run: sync
	@mkdir -p .run
	@$(BIN)/dvc-token --role operator >/dev/null
	@echo $$$$ > .run/stack.pid; export KAFKA_IDEMPOTENCE=$${KAFKA_IDEMPOTENCE:-$$($(BIN)/python -m dvckit.devbroker idempotence)}; \
	  exec $(BIN)/honcho -f deploy/local/Procfile -d . -e deploy/local/env start

stop:
	@if [ -f .run/stack.pid ]; then \
	  pid=$$(cat .run/stack.pid); kill -TERM $$pid 2>/dev/null; \
	  for _ in $$(seq 100); do kill -0 $$pid 2>/dev/null || break; sleep 0.2; done; \
	  rm -f .run/stack.pid; echo "stopped"; \
	else echo "nothing to stop (no .run/stack.pid)"; fi

token: sync
	@$(BIN)/dvc-token --role $(ROLE) $(if $(SUB),--sub $(SUB)) $(if $(AGENCY),--agency $(AGENCY)) $(if $(PROVINCE),--province $(PROVINCE))

keycloak: sync  ## the development OpenID Provider (Keycloak, realm dvc) on :8080, health on :9000
	$(BIN)/python -m dvckit.keycloak start --port 8080 --management-port 9000

realm: sync  ## re-render deploy/keycloak/realm-dvc.json after changing the agency registry
	$(BIN)/python -m deploy.keycloak.realm

test: sync
	bash scripts/ensure-services.sh
	bash services/reporting/tests/browser/ensure-chromium.sh
	$(BIN)/python -m pytest

# the date-sensitive tests with every process's clock pinned around midnight in Hà Nội, Tết eve and New Year
test-clock: sync
	bash scripts/ensure-services.sh
	bash scripts/test-clock.sh

lint: sync
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: sync
	$(BIN)/mypy -p dvc_contracts -p dvckit
	@for s in $(SERVICES); do echo "mypy dvc_$$s"; $(BIN)/mypy -p dvc_$$s || exit 1; done

schemas: sync
	$(BIN)/python -m dvc_contracts.schema --write

docs: sync
	$(BIN)/python scripts/gen_docs.py

# the fault storm of issue 14 (tests/faults/storm): FAULTS_SIZE=small (default) or full, FAULTS_* sizes
faults: sync
	bash scripts/ensure-services.sh
	if [ -n "$$FAULTS_SCREENSHOTS" ]; then bash services/reporting/tests/browser/ensure-chromium.sh; fi
	$(BIN)/python -m tests.faults.storm

bench: sync
	bash scripts/ensure-services.sh
	$(BIN)/python -m bench $(SCENARIOS)
