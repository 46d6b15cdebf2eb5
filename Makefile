# Quick start: `make app` (main job) and `make test` (every test). Both create .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SEEDS ?= 8
WORKERS ?= 2

.PHONY: app run test lint bench clean venv

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null

# The stamp files re-install only when pyproject.toml changes.
$(VENV)/.stamp-core: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@ $(VENV)/.stamp-core

venv: $(VENV)/.stamp-core

# The app (Streamlit) is the main job once it lands; until then `make app` runs the baseline.
app: run

run: $(VENV)/.stamp-core
	$(BIN)/fundsim run scenarios/baseline.yaml --seeds $(SEEDS) --workers $(WORKERS) --out out/baseline

test: $(VENV)/.stamp-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check .

bench: $(VENV)/.stamp-core
	$(BIN)/python benchmarks/bench.py --workers 100000 --months 120

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
