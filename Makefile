# The two commands of the README's quick start: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The reader's compiled modules (setup.py) and the record of what they were built
# from; an edit to one of them rebuilds them all (20-25 s, seconds with build/'s cache).
NATIVE := src/leadsync/native-build.json
NATIVE_SOURCES := $(shell sed -n 's/^    "leadsync\.\([a-z_.]*\)",$$/\1/p' src/leadsync/native.py \
	| tr . / | sed 's|^|src/leadsync/|; s|$$|.py|')

.PHONY: run test lint demo screenshots clean native FORCE

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# Compiled by the next rule, with this venv's mypy, once.
	LEADSYNC_PURE_PYTHON=1 $(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# LEADSYNC_PURE_PYTHON=1 always runs the build, which then removes the compiled files.
ifeq ($(LEADSYNC_PURE_PYTHON),1)
PURE_FORCE := FORCE
endif

native: $(NATIVE)

$(NATIVE): setup.py src/leadsync/native.py $(NATIVE_SOURCES) $(PURE_FORCE) | $(STAMP)
	$(BIN)/python setup.py --quiet build_ext --inplace

FORCE:

# Install, migrate, print a one-time admin login link, serve on SQLite.
run: $(STAMP) $(NATIVE)
	$(BIN)/leadsync serve

# Lint, types and the whole suite (SQLite, PostgreSQL, Chromium where present).
test: $(STAMP) $(NATIVE) lint
	$(BIN)/pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check setup.py src tests bench scripts
	$(BIN)/ruff format --check setup.py src tests bench scripts
	$(BIN)/mypy

demo: $(STAMP) $(NATIVE)
	$(BIN)/leadsync demo

# Fresh PNGs of both tabs for the README (demo data, the tests' Chromium set-up).
screenshots: $(STAMP) $(NATIVE)
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info $(NATIVE)
	find src -name '*.so' -delete
