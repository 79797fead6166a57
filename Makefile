# The two commands of the README:
#   make demo   set everything up, load the synthetic demo data into SQLite, show it
#   make test   set everything up and run the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo setup test lint typecheck pytest bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/ -/'

demo: setup  ## set up, then load the synthetic demo dataset and print a summary
	$(BIN)/nervecentre demo

setup: $(VENV)/.installed  ## create the virtual environment and install nervecentre

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

test: setup lint typecheck pytest  ## set up, then lint, type-check and run every test

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

bench: setup  ## run the benchmarks (slow; not part of the tests)
	$(BIN)/python benchmarks/bench_import.py

clean:  ## remove the virtual environment and demo data
	rm -rf $(VENV) nervecentre-data
