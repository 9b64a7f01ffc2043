# hipaaops: two commands. `make run` sets up and serves the demo; `make test` sets up and tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= var
HOST ?= 127.0.0.1
PORT ?= 8000

# A Python 3.12+ interpreter: PATH first, then pyenv. Each candidate is run, because a pyenv shim
# can sit on the PATH without a version behind it.
PYTHON ?= $(shell \
  for c in python3.14 python3.13 python3.12 python3; do \
    p=$$(command -v $$c 2>/dev/null) || continue; \
    $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo $$p; exit 0; }; \
  done; \
  root=$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv); \
  for p in $$(ls -d $$root/versions/3.12*/bin/python3 2>/dev/null | sort -rV) $$(ls -d $$root/versions/3.1[3-9]*/bin/python3 2>/dev/null | sort -V); do \
    $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo $$p; exit 0; }; \
  done)

.PHONY: help run test lint typecheck pytest openapi demo worker bench clean

help:
	@echo "make run    set up .venv, migrate SQLite in $(DATA_DIR)/, load the demo, serve on $(HOST):$(PORT)"
	@echo "make test   set up .venv with dev dependencies, run ruff, mypy and pytest"
	@echo "make bench  run the benchmarks in bench/ (BENCH=name for one, BENCH_ARGS=... for its options)"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "hipaaops needs Python 3.12 or newer and found none on the PATH or in pyenv."; \
	  echo "Install one (e.g. 'pyenv install 3.12' or your system's python3.12 package) and retry,"; \
	  echo "or point to it: make run PYTHON=/path/to/python3.12"; exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(VENV)/.installed $@

run: $(VENV)/.installed
	@mkdir -p $(DATA_DIR)
	HIPAAOPS_ENV=development HIPAAOPS_DATA_DIR=$(DATA_DIR) $(BIN)/hipaaops migrate --noinput
	HIPAAOPS_ENV=development HIPAAOPS_DATA_DIR=$(DATA_DIR) $(BIN)/hipaaops demo --if-empty
	HIPAAOPS_ENV=development HIPAAOPS_DATA_DIR=$(DATA_DIR) $(BIN)/hipaaops serve --host $(HOST) --port $(PORT)

demo: $(VENV)/.installed
	HIPAAOPS_ENV=development HIPAAOPS_DATA_DIR=$(DATA_DIR) $(BIN)/hipaaops demo

worker: $(VENV)/.installed
	HIPAAOPS_ENV=development HIPAAOPS_DATA_DIR=$(DATA_DIR) $(BIN)/hipaaops worker

test: $(VENV)/.installed-dev lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-dev
	HIPAAOPS_ENV=test $(BIN)/mypy src

pytest: $(VENV)/.installed-dev
	HIPAAOPS_ENV=test $(BIN)/python -m django makemigrations --check --dry-run --settings=hipaaops.settings >/dev/null
	HIPAAOPS_ENV=test $(BIN)/pytest -n 2 $(PYTEST_ARGS)

openapi: $(VENV)/.installed
	HIPAAOPS_ENV=test $(BIN)/hipaaops openapi --output openapi.json

# Every script in bench/ in turn, or one: make bench BENCH=audit_chain BENCH_ARGS="--entries 5000"
bench: $(VENV)/.installed-dev
	@scripts="$(if $(BENCH),bench/$(BENCH).py,$$(ls bench/*.py))"; \
	for script in $$scripts; do \
	  echo "==> $$script"; \
	  HIPAAOPS_ENV=development $(BIN)/python $$script $(BENCH_ARGS) || exit 1; \
	done

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
