# Two commands a newcomer needs; each sets up what it uses.
#   make demo   the umbrella story (paraguas demo): Seattle, then the move to Mumbai
#   make test   lint, type-check, the layers contract and the whole test suite (SQLite and PostgreSQL)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: demo tour test lint browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/paraguas demo umbrella-demo --force

tour: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" bash examples/tour.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian's Chromium for the browser tests (tests/browser), installed when missing and we may
# (root, apt-get). Never fails: without it those tests skip, or fail with the reason under CI=true.
browser:
	@[ -x /usr/bin/chromium ] || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	  ( DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    ( apt-get update -qq >/dev/null 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ) ); } || \
	  echo "note: /usr/bin/chromium is missing and could not be installed (needs root and apt-get): the browser tests will skip (fail under CI=true)."

test: lint browser
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .venv-bench .venv-bench-evidently .pytest_cache .mypy_cache .ruff_cache
