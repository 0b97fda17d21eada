# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint demo screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Install, migrate, print a one-time admin login link, serve on SQLite.
run: $(STAMP)
	$(BIN)/leadsync serve

# Lint, types and the whole suite (SQLite, PostgreSQL, Chromium where present).
test: $(STAMP) lint
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

demo: $(STAMP)
	$(BIN)/leadsync demo

# Fresh PNGs of both tabs for the README (demo data, the tests' Chromium set-up).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info
