# The two entry points people and CI share: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
PYTHON ?= python3
CODE := $(wildcard mlgraph tests examples bench)

.PHONY: run test lint format docs screenshots clean peers

# Real peers, each in a venv of its own so their pins never touch mlgraph's: tests run
# their unmodified clients (and an `mlflow server`) as subprocesses.
MLFLOW_VERSION := 3.17.2
DATAHUB_VERSION := 1.7.0.17
PEERS := .venv-mlflow/.installed .venv-datahub/.installed

.venv-mlflow/.installed: Makefile
	$(PYTHON) -m venv .venv-mlflow
	.venv-mlflow/bin/pip install -q --upgrade pip
	.venv-mlflow/bin/pip install -q "mlflow==$(MLFLOW_VERSION)"
	touch $@

.venv-datahub/.installed: Makefile
	$(PYTHON) -m venv .venv-datahub
	.venv-datahub/bin/pip install -q --upgrade pip
	.venv-datahub/bin/pip install -q "acryl-datahub==$(DATAHUB_VERSION)"
	touch $@

peers: $(PEERS)  ## the real mlflow and DataHub clients the compatibility tests drive

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## serve mlgraph on SQLite with the demo catalog loaded
	$(VENV)/bin/mlgraph serve --load-demo

test: $(STAMP) $(PEERS) lint  ## lint, type-check and run the whole suite
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format $(CODE)
	$(VENV)/bin/ruff check --fix $(CODE)

docs: $(STAMP)  ## regenerate docs/openapi.json and docs/data-model.md from code
	$(VENV)/bin/mlgraph docs write

screenshots: $(STAMP)  ## retake docs/screenshots from the real UI in headless Chromium
	MLGRAPH_SCREENSHOTS_DIR=docs/screenshots $(VENV)/bin/pytest -q tests/ui/test_browser.py

clean:
	rm -rf $(VENV) .venv-mlflow .venv-datahub data .pytest_cache .ruff_cache .mypy_cache
