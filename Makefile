# Two commands on a fresh machine:
#   make run    set up, create the SQLite database, load the sample, start the app
#   make test   set up (test extras, Chromium) and run the whole test suite
# Many users (deploy/README.md, docs/deploy.md):
#   make deploy-local REPLICAS=2   N replicas behind nginx on one PostgreSQL (127.0.0.1:8580)
#   make deploy-stop               stop them (and nginx)
#   make loadtest SESSIONS=10 REPLICAS=1 [URL=http://127.0.0.1:8580] [DATASET=national]
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
REPLICAS ?= 2
DEPLOY_PORT ?= 8580
SESSIONS ?= 10
DATASET ?= sample

.PHONY: run test bench setup setup-test chromium clean deploy-local deploy-stop loadtest

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

deploy-local: setup
	$(BIN)/python deploy/local.py start --replicas $(REPLICAS) --port $(DEPLOY_PORT) --dataset $(DATASET)

deploy-stop:
	$(BIN)/python deploy/local.py stop

loadtest: setup-test
	$(BIN)/python -m tests.load.loadtest --sessions $(SESSIONS) --dataset $(DATASET) \
	    $(if $(URL),--url $(URL),--replicas $(REPLICAS)) $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) var test-results test-artifacts .pytest_cache .hypothesis bench-results.md
