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

# A real OpenID provider, the npm package oidc-provider, for the single sign-on tests
# (tests/security/test_oidc.py). It needs Node.js 20.18 or later: when npm is missing,
# Debian's is installed, but Debian 12's Node.js (18) is too old for it.
OIDC_PROVIDER := tests/security/oidc/node_modules/.installed

$(OIDC_PROVIDER): tests/security/oidc/package.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
	  else \
	    echo "npm is missing: sudo apt-get install nodejs npm" >&2; exit 1; \
	  fi; }
	npm install --prefix tests/security/oidc --no-audit --no-fund --no-package-lock
	touch $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## serve mlgraph on SQLite with the demo catalog loaded, sign-in on
	MLGRAPH_AUTH=on $(VENV)/bin/mlgraph serve --load-demo

test: $(STAMP) $(PEERS) $(OIDC_PROVIDER) lint  ## lint, type-check and run the whole suite
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
	rm -rf tests/security/oidc/node_modules
