# Two commands do everything on a fresh machine (Python 3.11, no API key, no database running):
#   make demo   — set up .venv, migrate and seed the embedded store, and play the demo conversations
#   make test   — set up .venv and run ruff, mypy and the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean generate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# The demo migrates and seeds its own database; the default store (what `supportgraph chat` uses) is migrated and
# given the demo company too, so the README's commands work right after.
demo: $(STAMP)
	$(BIN)/supportgraph db upgrade
	$(BIN)/supportgraph demo seed
	$(BIN)/supportgraph demo

# Files generated from their one definition: the written policy (from Policy and prompts/policy.md.j2) and the
# scenario format's JSON Schema (from evals/scenario_format.py). Tests fail while a committed copy differs.
generate: $(STAMP)
	$(BIN)/supportgraph policy render
	$(BIN)/python -m evals.scenario_format

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The browser tests (tests/web, tests/server) drive Debian's chromium with playwright; the useStream page of
# tests/server is bundled from npm in the test setup. Both installed once, as root (CI is).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

NPM := /usr/bin/npm
$(NPM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm

# Two pytest-xdist workers, each given whole test files (module-scoped browsers and servers start once), with its
# own temporary folders, databases, ports and SUPPORTGRAPH_HOME (tests/workers.py); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: lint $(CHROMIUM) $(NPM)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) .supportgraph .test-cache
