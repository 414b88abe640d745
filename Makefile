# The two entry points people and CI share: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
PYTHON ?= python3

.PHONY: run test lint format openapi docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## serve mlgraph on SQLite with the demo catalog loaded
	$(VENV)/bin/mlgraph serve --load-demo

test: $(STAMP) lint  ## lint, type-check and run the whole suite
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check mlgraph tests examples bench
	$(VENV)/bin/ruff format --check mlgraph tests examples bench
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format mlgraph tests examples bench
	$(VENV)/bin/ruff check --fix mlgraph tests examples bench

docs: $(STAMP)  ## regenerate docs/openapi.json and docs/data-model.md from code
	$(VENV)/bin/mlgraph docs write

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
