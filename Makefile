# WildWatch — the two sacred commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench soak clean browser wrk

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Our packages are installed editable, so pip compiles none of them: without bytecode on disk, every
# process compiles what it imports (~0.1 s of `wildwatch score`'s start) when it cannot write
# __pycache__ (PYTHONDONTWRITEBYTECODE, a read-only checkout). Stale files are recompiled as usual.
install: $(STAMP)
	$(BIN)/python -m compileall -q core classifier crawler api store wildwatch

## run: set up, crawl the bundled demo marketplace, score it, and serve the API on http://127.0.0.1:8000
##      (other ports: make run PORT=8001 MARKET_PORT=8089)
run: install
	$(BIN)/wildwatch demo $(if $(PORT),--port $(PORT)) $(if $(MARKET_PORT),--market-port $(MARKET_PORT))

## test: the whole test suite (unit, store on SQLite and PostgreSQL, end to end over loopback),
## one pytest worker per core (TEST_WORKERS=0 runs it in one process); a test file stays on one worker
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

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

## wrk: the HTTP load generator the API benchmark drives (root + apt-get)
wrk:
	@command -v wrk >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; } || \
	  echo "wrk: not installed (needs root and apt-get); the API benchmark will say so" >&2

## bench: crawl, score and API benchmarks, each figure beside its same-run baseline (JSON: var/bench/summary.json)
bench: install wrk
	$(BIN)/python bench/run_all.py

## soak: the API at steady load for 10 minutes: p50/p99 and memory over time; fails if memory grows
soak: install
	$(BIN)/python -m pip install --quiet 'atheris>=2.3' || echo 'soak: atheris not installable; its run is skipped' >&2
	$(BIN)/python bench/soak.py --minutes 10
	WILDWATCH_FAULT_SEEDS=20 WILDWATCH_FUZZ_EXAMPLES=2000 WILDWATCH_ATHERIS_RUNS=50000 $(BIN)/python -m pytest tests/faults tests/fuzz tests/security

clean:
	rm -rf $(VENV) var .pytest_cache
