# Quick start: `make app` (main job) and `make test` (every test). Both create .venv, after
# checking the system packages they need (scripts/check_system.sh prints the exact apt-get
# command for anything missing; `make system-deps` runs it).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SEEDS ?= 8
WORKERS ?= 2

.PHONY: app app-bench run test lint bench clean venv system-deps check-system-app check-system-test

# What pip cannot install: Python's venv (Debian packages it apart), Pango for PDF reports,
# poppler and Chromium for the tests. The same list as .ci/run.
SYSTEM_PACKAGES := python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	poppler-utils chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

system-deps:
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES)

check-system-app:
	@PY=$(PY) sh scripts/check_system.sh app

check-system-test:
	@PY=$(PY) sh scripts/check_system.sh test

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null

# The stamp files re-install only when pyproject.toml changes.
$(VENV)/.stamp-core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@ $(VENV)/.stamp-core $(VENV)/.stamp-app

$(VENV)/.stamp-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[app]'
	touch $@ $(VENV)/.stamp-core

# Compile the engine's kernels once, at install (cached on disk beside them): no run waits for the
# compiler later. Redone when the kernels change.
$(VENV)/.stamp-jit: sim/engine/kernels.py $(VENV)/.stamp-core
	$(BIN)/python -m sim.engine.jit
	touch $@

venv: $(VENV)/.stamp-core $(VENV)/.stamp-jit

# The committee app: the baseline beside the no-fund counterfactual on open (PORT=8501).
# `python -m sim.app.launch` is `streamlit run app.py` with the page's imports done at server start.
PORT ?= 8501
app: check-system-app $(VENV)/.stamp-app $(VENV)/.stamp-jit
	$(BIN)/python -m sim.app.launch --server.headless true --server.port $(PORT) --server.fileWatcherType none \
		--browser.gatherUsageStats false

app-bench: $(VENV)/.stamp-app
	$(BIN)/python benchmarks/app_bench.py

run: $(VENV)/.stamp-core $(VENV)/.stamp-jit
	$(BIN)/fundsim run scenarios/baseline.yaml --seeds $(SEEDS) --workers $(WORKERS) --out out/baseline

test: check-system-test $(VENV)/.stamp-dev $(VENV)/.stamp-jit
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .

bench: $(VENV)/.stamp-core $(VENV)/.stamp-jit
	$(BIN)/python benchmarks/bench.py --workers 100000 --months 120

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
