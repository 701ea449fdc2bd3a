# One Makefile drives everything: make demo, make test, make lint, make bench.
# Every target installs what it needs into .venv on a machine that has only python3 and make.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install test lint bench demo serve clean reference

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[postgres,pdf,service,dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[postgres,pdf,dev,bench]' || echo "bench extra not installed: side-by-side figures are skipped"
	$(BIN)/python -m benchmarks

demo: $(STAMP)
	$(BIN)/participatie-rct demo --out reports/demo --formats html,md,pdf --overwrite

# The randomization service on the demo register (made first when missing), with a demo
# assigner and monitor whose access codes it prints; http://127.0.0.1:8000/ only.
serve: $(STAMP)
	$(BIN)/python -m participatie_rct.cli.serve_demo reports/demo

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
