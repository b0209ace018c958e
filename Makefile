# Two commands for a fresh machine (Python 3.11+ and make):
#   make demo   set up .venv and run the whole cycle on the shipped demo borough
#   make test   set up .venv and run the whole test suite
#   make lint   ruff, the import contracts (pyproject.toml [tool.importlinter]) and mypy
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint imports bench bench-postgres clean-demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python demo/run_demo.py

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

# The import rules of the layout: which stage may import which (CI runs this too).
imports: $(STAMP)
	$(BIN)/lint-imports --no-cache

lint: imports
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy pipeline

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# PostgreSQL against SQLite on this machine: the county cycle and 2,000 returns (needs Debian's postgresql).
bench-postgres: $(STAMP)
	$(BIN)/python benchmarks/backends.py

clean-demo:
	rm -rf state outbox/* inbox/*
	touch inbox/.gitkeep outbox/.gitkeep
