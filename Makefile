# The two commands a new user needs: `make run` and `make test` (see README.md).
# Only Python 3.11 and make are assumed; everything else is installed into .venv from PyPI.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-ops setup lint format bench clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %s); set PYTHON=/path/to/python3.11" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)
	$(PY) manage.py compile_translations

# SQLite database, demo data, then web + Celery worker + Celery beat in one process group (Ctrl-C stops all).
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runportal

# Two pytest-xdist workers (this machine has two CPUs), each with its own test database, Redis database and
# var folder (tests/xdist_worker.py); PYTEST_WORKERS=0 runs everything in one process.
PYTEST_WORKERS ?= 2

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest -p tests.xdist_worker -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Operational checks against the real PostgreSQL and Redis (DATABASE_URL, REDIS_URL): faults, a short load
# test, schema fuzzing as each role, the backup and restore drill, bandit. CI runs them after `make test`.
test-ops: setup
	$(PY) -m pytest -m ops $(PYTEST_ARGS)
	$(VENV)/bin/bandit -q -c pyproject.toml -r portal pledges loans whitelist subsidies riskcomp matchmaking ratings disposal training stats
	bash ops/backup_drill.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: setup
	$(PY) -m bench --list

clean:
	rm -rf $(VENV) var
