# dxcommunity: the two commands of the quick start are `make run` and `make test`.
#
#   make run      system packages, .venv, migrate, demo data (FY2022), serve http://127.0.0.1:8000
#   make test     system packages (with Chromium), .venv, pytest        (ARGS="-k foo" to select)
#   make lint     ruff check + ruff format --check + the import layers (import-linter)
#   make format   ruff format + ruff check --fix
#   make demo     (re)load the demo data only
#   make lock     upgrade the locked dependencies (uv.lock) within pyproject.toml's ranges
#   make worker   a Celery worker with beat (the document sweep); needs REDIS_URL, without it tasks run in process
#   make clean    remove .venv, caches and collected static files (keeps db.sqlite3 and media/)
#
# Settings come from the environment (see README.md); with none set: SQLite at ./db.sqlite3, DEBUG on,
# Celery tasks eager in process.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

export PYTHON VENV

.DEFAULT_GOAL := help
.PHONY: help run test lint format demo worker clean deps-run deps-test install translations lock

help:
	@sed -n '2,11p' Makefile | sed 's/^# \{0,1\}//'

deps-run:
	@scripts/system_deps.sh run

deps-test:
	@scripts/system_deps.sh test

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: Python 3.11 or newer is needed; $(PYTHON) is `$(PYTHON) --version 2>&1`" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# uv itself is in the lock; the bootstrap installs that exact version, which then installs the rest.
UV_LOCKED = $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' uv.lock)
UV := $(VENV)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

# Install (again) only when pyproject.toml or uv.lock changed since the last install. --locked fails
# when uv.lock no longer matches pyproject.toml (run make lock).
$(STAMP): pyproject.toml uv.lock | $(PY)
	@test -x $(UV) && $(UV) --version | grep -qF ' $(UV_LOCKED) ' || \
		$(PY) -m pip install --quiet --disable-pip-version-check 'uv==$(UV_LOCKED)'
	@echo "Installing the locked Python packages into $(VENV) (uv sync --locked --extra dev) ..."
	$(UV) sync --locked --extra dev --quiet
	@touch $@

# Re-resolve every dependency to the newest versions pyproject.toml allows and rewrite uv.lock
# (make lock LOCK_ARGS="--upgrade-package django" for one package; LOCK_ARGS= keeps the other pins
# after a range in pyproject.toml was edited).
LOCK_ARGS ?= --upgrade
lock: | $(PY)
	@test -x $(UV) || $(PY) -m pip install --quiet --disable-pip-version-check 'uv==$(UV_LOCKED)'
	$(UV) lock $(LOCK_ARGS)
	@echo "uv.lock updated: review git diff uv.lock, run make test, commit pyproject.toml and uv.lock"

install: $(STAMP)

# English translations: compiled when gettext (msgfmt) is installed and the project has .po files.
translations: $(STAMP)
	@if ! find . -path ./$(VENV) -prune -o -name '*.po' -print | grep -q .; then \
		true; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore '$(VENV)' --ignore node_modules -v 0; \
	else \
		echo "note: gettext is not installed, so the English UI stays untranslated (apt-get install gettext)."; \
	fi

demo: $(STAMP)
	@$(MANAGE) help load_demo >/dev/null 2>&1 || \
		{ echo "error: the load_demo management command is missing (programs/management/commands)." >&2; exit 1; }
	$(MANAGE) load_demo

run: deps-run $(STAMP) translations
	$(MANAGE) migrate --noinput
	@$(MAKE) --no-print-directory demo
	@echo
	@echo "  dxcommunity demo: http://$(HOST):$(PORT)/"
	@echo "  log in as coordinator@example.jp / dx-demo-2022 (all demo users: README.md)"
	@echo
	$(MANAGE) runserver $(HOST):$(PORT)

test: deps-test $(STAMP) translations
	$(VENV)/bin/pytest -n 2 $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# -B runs Celery beat inside the worker: every minute it sweeps the generated documents (re-sends the ones
# whose message was lost while Redis was down, reclaims renders of killed workers). One machine, one beat;
# a second worker with -B is harmless (the sweep's updates are conditional) but needless.
worker: $(STAMP)
	@test -n "$$REDIS_URL" || \
		{ echo "error: set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker; without it tasks run in process." >&2; exit 1; }
	$(VENV)/bin/celery -A dxcommunity worker -B --loglevel=INFO --concurrency=2

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles test-results *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
