# The only commands a person needs. CI runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev

.PHONY: run test install install-dev lint format pytest clean bench bench-worker bench-sse faults screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	touch $(STAMP_RUN) $@

install: $(STAMP_RUN)

install-dev: $(STAMP_DEV)

## Start the API and one worker on http://127.0.0.1:8000 (embedded SQLite in ./data).
run: install
	$(BIN)/lapor up

## Lint, type-check and run the whole suite against the real Redis and PostgreSQL.
test: install-dev lint pytest

lint: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

pytest: install-dev
	$(BIN)/pytest

STAMP_BENCH := $(VENV)/.stamp-bench
$(STAMP_BENCH): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	touch $@

## Lapor Kampus against the seed's design, same load, same run (see docs/benchmarks.md).
bench: install-dev $(STAMP_BENCH)
	$(BIN)/python -m bench.compare

## One worker process: reports persisted per second, without and with photos.
bench-worker: install-dev
	$(BIN)/python -m bench.worker_throughput --reports 3000
	$(BIN)/python -m bench.worker_throughput --reports 300 --photos

## 1,000 open event streams on one API process: delivery delay and memory per connection.
bench-sse: install-dev
	$(BIN)/python -m bench.sse --clients 1000

## The screenshots in docs/screenshots/, taken with headless Chromium against a scratch system.
screenshots: install-dev
	$(BIN)/python -m scripts.screenshots

## Fault injection: workers killed and paused, Redis restarted, database locked, a poison command.
faults: install-dev
	$(BIN)/python -m bench.faults

format: install-dev
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
