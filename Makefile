# Two commands for a new user: `make demo` runs the kit on the sample cohort, `make test` tests it.
# Each sets up its own virtual environment (.venv) from a fresh clone; `make test` also installs the
# system packages its tests need when they are missing (scripts/test-deps.sh says which).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8866
PYTEST := $(BIN)/python -m pytest

.PHONY: demo test test-fast test-deps lint packets clean help

help:
	@echo "make demo       set up .venv and serve the worksheets for the sample cohort"
	@echo "make test       set up .venv, install chromium, PostgreSQL and JupyterHub's proxy if missing,"
	@echo "                and run lint and the whole test suite (a throwaway PostgreSQL runs meanwhile)"
	@echo "make test-fast  lint, unit and CLI tests: no browser, no PostgreSQL"
	@echo "make packets    write a packet per sample district to packets/"

$(BIN)/kit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

demo: $(BIN)/kit
	$(BIN)/kit validate modules sample_districts
	$(BIN)/kit load-answers sample_districts/_sample_answers.yaml
	$(BIN)/kit serve --cohort sample_districts --port $(PORT)

packets: $(BIN)/kit
	$(BIN)/kit packets --cohort sample_districts --out packets

lint: $(BIN)/kit
	$(BIN)/ruff check src tests benchmarks deploy

# Installs what is missing as root with apt-get; otherwise names each missing piece and stops.
test-deps:
	@bash scripts/test-deps.sh

# The notebooks first, so that the last lines are the suite's slowest tests and its skip reasons.
# scripts/postgres.sh runs pytest beside a throwaway PostgreSQL and stops it however pytest ends.
test: lint test-deps
	$(PYTEST) --nbval-lax notebooks
	bash scripts/postgres.sh run $(PYTEST) -n 2 --durations=15 tests

test-fast: lint
	env -u KIT_TEST_PG_URL $(PYTEST) -n 2 -m "not browser and not postgresql" tests/unit tests/cli

clean:
	rm -rf $(VENV) packets kit-data .pytest_cache
