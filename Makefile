# Two commands for a new user: `make demo` runs the kit on the sample cohort, `make test` tests it.
# Each sets up its own virtual environment (.venv) from a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8866

.PHONY: demo test lint packets clean help

help:
	@echo "make demo     set up .venv and serve the worksheets for the sample cohort"
	@echo "make test     set up .venv and run lint and the whole test suite"
	@echo "make packets  write a packet per sample district to packets/"

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

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup tests
	$(BIN)/python -m pytest --nbval-lax notebooks

clean:
	rm -rf $(VENV) packets kit-data .pytest_cache
