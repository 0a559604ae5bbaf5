# WildWatch — the two sacred commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: set up, crawl the bundled demo marketplace, score it, and serve the API on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/wildwatch demo

## test: the whole test suite (unit, store on SQLite and PostgreSQL, end to end over loopback)
test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache
