# opsreview: `make run` brings the app up with demo data; `make test` runs the whole suite.
# The first Python 3.12+ on the PATH (PYTHON=/path/to/python overrides).
PYTHON ?= $(shell for candidate in python3 python3.14 python3.13 python3.12; do \
	$$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$candidate; break; }; \
	done)
VENV := .venv
BIN := $(abspath $(VENV))/bin
# Local runs and tests use development settings unless the caller says otherwise.
export DEBUG ?= 1
export PATH := $(BIN):$(PATH)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format lock browser bench clean

help:
	@echo "make run    - install, migrate, seed the demo and start web + Celery worker + beat on :8000,"
	@echo "              with a demo CloudWatch (moto) on :5050"
	@echo "make test   - install what the tests need and run the whole suite (pytest)"
	@echo "make lint   - ruff check, ruff format --check, lint-imports (layers), makemigrations --check"
	@echo "make format - apply ruff's fixes and formatting"
	@echo "make lock   - re-resolve requirements.lock from pyproject.toml"
	@echo "make bench  - seed a benchmark organisation in its own database, time every page,"
	@echo "              the weekly report and a load test (BENCH_ARGS=\"--scale 0.01 --name x\")"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "opsreview needs Python 3.12 or newer: install it, or run make with PYTHON=/path/to/python3.12"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "opsreview needs Python 3.12 or newer: run make with PYTHON=/path/to/python3.12")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

install: $(VENV)/.installed

# The demo's CloudWatch: a moto server on this port (Procfile's `cloudwatch`), holding the
# BananaStand alarms and metrics, which web, worker and beat read with throwaway credentials.
CLOUDWATCH_DEMO_PORT ?= 5050

run: install
	python manage.py migrate --noinput
	python manage.py seed_demo
	@echo "opsreview on http://127.0.0.1:8000 (Ctrl-C stops web, worker, beat and the demo's CloudWatch)"
	CLOUDWATCH_DEMO_PORT=$(CLOUDWATCH_DEMO_PORT) \
	AWS_ENDPOINT_URL=http://127.0.0.1:$(CLOUDWATCH_DEMO_PORT) \
	AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1 \
	honcho start

# Browser tests drive a real Chromium; install Debian's when none is on the machine.
browser:
	@[ -n "$$CHROMIUM_PATH" ] || command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "Browser tests need Chromium: install it (e.g. apt-get install chromium) or set CHROMIUM_PATH"; exit 1; fi; }

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= auto
test: install browser
	python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: install
	ruff check .
	ruff format --check .
	lint-imports
	python manage.py makemigrations --check --dry-run

format: install
	ruff check --fix .
	ruff format .

lock: install
	python -m pip install --quiet uv
	UV_PYTHON_DOWNLOADS=never uv pip compile pyproject.toml --group dev --universal --python-version 3.12 --generate-hashes --no-header --quiet -o requirements.lock

# Not part of `make test`: timings live here, never in tests. Its own database (never the dev data).
bench: install
	python -m benchmarks.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles
