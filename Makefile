# Sigap: two commands for a newcomer (`make run`, `make test`) and a few for developers.
# Everything runs from the project's own virtualenv in .venv (Python 3.11).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# The interpreter that creates the virtualenv: python3.11 when present, else python3
# (checked to be 3.11 below, as pyproject.toml requires).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# Rebuilt only when a requirements file is newer than the last successful install.
STAMP := $(VENV)/.sigap-installed

.PHONY: help install run test test-fast test-slow lint format bench bench-scale chaos bench-load

help:
	@echo "make run        start Sigap at http://127.0.0.1:$${PORT:-8000} with demo data (Ctrl-C stops)"
	@echo "make test       the whole test suite (SQLite, or DATABASE_URL/CELERY_BROKER_URL)"
	@echo "make test-fast  without the slow (real processes) and browser tests"
	@echo "make test-slow  only the tests that start real processes"
	@echo "make lint       ruff check, ruff format --check and lint-imports (import contracts)"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make chaos      kill -9 workers, redeliver at once: nothing lost, nothing done twice"
	@echo "make bench      benchmarks on SQLite (and PostgreSQL if BENCH_DATABASE_URL is set)"
	@echo "make install    the virtualenv in .venv (run and test do this for you)"

install: $(STAMP)
	@if [ -d locale ]; then $(PY) scripts/compile_translations.py; fi

$(STAMP): requirements.txt requirements-dev.txt
	@if [ ! -x $(PY) ]; then \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -m venv $(VENV); \
	fi
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "$(VENV) must be Python 3.11, found " + sys.version.split()[0] + ": remove $(VENV) and run with PYTHON=/path/to/python3.11")'
	$(PY) -m pip install --disable-pip-version-check --quiet -r requirements-dev.txt
	@touch $(STAMP)

run: install
	$(PY) scripts/run.py

test: install
	$(VENV)/bin/pytest -m "not chaos"

test-fast: install
	$(VENV)/bin/pytest -m "not slow and not browser"

test-slow: install
	$(VENV)/bin/pytest -m "slow and not chaos"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Speed is measured here, never by timed assertions in tests. Results: benchmarks/results/.
bench: install
	$(PY) benchmarks/run.py $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL)) $(BENCH_ARGS)

# Report pages on 1,000,000 generated complaints in PostgreSQL (about 15 min; see
# docs/benchmarks.md). SCALE_DATABASE_URL must name a database you may wipe.
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/sigap_reports_bench
SCALE_COUNT ?= 1000000
bench-scale: install
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) manage.py flush --noinput
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) manage.py migrate --noinput -v 0
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) manage.py load_demo
	DATABASE_URL=$(SCALE_DATABASE_URL) $(PY) manage.py generate_complaints --count $(SCALE_COUNT) --seed 1
	$(PY) benchmarks/reports_scale.py --database-url $(SCALE_DATABASE_URL) --label "$(SCALE_COUNT) complaints"
# Real processes killed and restarted (tests/chaos, docs/hardening.md); minutes, not seconds.
chaos: install
	$(VENV)/bin/pytest tests/chaos -m chaos -p no:cacheprovider

# Production shape under load against a bare Django view (benchmarks/load/run.py); ~3 min.
bench-load: install
	$(PY) benchmarks/load/run.py $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL)) $(BENCH_ARGS)
