# npm-tracker: `make run` starts the whole system, `make test` runs the whole suite.
# Both prepare the machine first (scripts/bootstrap.sh): OS packages, virtualenv, PostgreSQL, Redis.

PY := .venv/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help bootstrap migrate seed run test lint format check-migrations clean

help:
	@echo "make run    - set up, migrate, load reference + demo data, start web, worker and beat"
	@echo "make test   - set up, then run the whole test suite on PostgreSQL and Redis"
	@echo "make lint   - ruff check, ruff format --check, makemigrations --check, manage.py check"

bootstrap:
	@bash scripts/bootstrap.sh

migrate: bootstrap
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed --demo

run: seed
	@HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: bootstrap
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

format: bootstrap
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

clean:
	rm -rf .venv staticfiles var .pytest_cache .ruff_cache
