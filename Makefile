# The only commands a person needs. CI runs `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
# uv installs exactly what uv.lock says. It lives in its own small venv, bootstrapped with pip from
# PyPI, so a fresh machine needs nothing but python3; the version is pinned so every machine resolves
# and installs the same way.
UV_VERSION := 0.13.9
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
# A new UV_VERSION installs that version.
UV_STAMP := $(UV_VENV)/.stamp-uv-$(UV_VERSION)
# The project's venv is .venv, built from the machine's own python3 (uv must not download one).
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# --locked: stop, loudly, when uv.lock no longer matches pyproject.toml (regenerate it with `make lock`).
UV_SYNC := $(UV) sync --locked --python $(PYTHON)

.PHONY: run test install install-dev lock lint format pytest wheel-check clean bench bench-worker bench-sse faults screenshots

$(UV_STAMP):
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	touch $@

# --inexact: `make run` after `make install-dev` keeps the development tools.
$(STAMP_RUN): pyproject.toml uv.lock | $(UV_STAMP)
	$(UV_SYNC) --inexact
	touch $@

$(STAMP_DEV): pyproject.toml uv.lock | $(UV_STAMP)
	$(UV_SYNC) --extra dev
	@# That sync removed the bench extras, if they were there: `make bench` installs them again.
	rm -f $(VENV)/.stamp-bench
	@# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	touch $(STAMP_RUN) $@

install: $(STAMP_RUN)

install-dev: $(STAMP_DEV)

## Re-resolve uv.lock after editing pyproject.toml's dependencies (`make lock UPGRADE=1` takes the newest
## versions the floors allow: `uv lock --upgrade`).
lock: | $(UV_STAMP)
	$(UV) lock --python $(PYTHON) $(if $(UPGRADE),--upgrade)

## Start the API and one worker on http://127.0.0.1:8000 (embedded SQLite in ./data; LAPOR_PORT=8080 for another port).
run: install
	$(BIN)/lapor up

## Lint, type-check and run the whole suite against the real Redis and PostgreSQL.
test: install-dev lint pytest

lint: install-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: install-dev
	$(BIN)/pytest

## The built wheel in a fresh venv serves its pages (also part of `make pytest`).
wheel-check: install-dev
	$(BIN)/pytest -m wheel tests/test_wheel.py

STAMP_BENCH := $(VENV)/.stamp-bench
$(STAMP_BENCH): pyproject.toml uv.lock | $(UV_STAMP)
	$(UV_SYNC) --extra dev --extra bench
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
	rm -rf $(VENV) $(UV_VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
