# Two commands on a fresh machine:
#   make run    set up, create the SQLite database, load the sample, start the app
#   make test   set up (test extras, Chromium) and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test bench setup setup-test chromium clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test chromium

chromium:
	@sh scripts/ensure-chromium.sh

run: setup
	$(BIN)/kla init
	$(BIN)/kla demo
	$(BIN)/kla run --server.port=$(PORT)

test: setup-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup-test
	$(BIN)/python -m tests.benchmarks.run

clean:
	rm -rf $(VENV) var test-results test-artifacts .pytest_cache .hypothesis bench-results.md
