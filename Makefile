# WildWatch — the two sacred commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench clean browser

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

## browser: Debian's Chromium and a CJK font for the review UI's browser test (root + apt-get; CI runs it)
browser:
	@if test -x /usr/bin/chromium && dpkg -s fonts-wqy-zenhei >/dev/null 2>&1; then \
	  echo "browser: chromium and fonts-wqy-zenhei already installed"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium fonts-wqy-zenhei; \
	else \
	  echo "browser: needs root and apt-get; the browser test will be skipped" >&2; \
	fi

clean:
	rm -rf $(VENV) var .pytest_cache
