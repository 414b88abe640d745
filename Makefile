# The two entry points people and CI share: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
PYTHON ?= python3
CODE := $(wildcard mlgraph tests examples bench)

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
	$(VENV)/bin/ruff check $(CODE)
	$(VENV)/bin/ruff format --check $(CODE)
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format $(CODE)
	$(VENV)/bin/ruff check --fix $(CODE)

docs: $(STAMP)  ## regenerate docs/openapi.json and docs/data-model.md from code
	$(VENV)/bin/mlgraph docs write

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache .mypy_cache
