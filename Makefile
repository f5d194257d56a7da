# npm-tracker: `make run` starts the whole system, `make test` runs the whole suite.
# Both prepare the machine first (scripts/bootstrap.sh): OS packages, virtualenv, PostgreSQL, Redis.

PY := .venv/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help bootstrap messages migrate seed run test screenshots lint format schema backup restore clean bench fuzz

help:
	@echo "make run    - set up, migrate, load reference + demo data, start web, worker and beat"
	@echo "make test   - set up, then run the whole test suite on PostgreSQL and Redis"
	@echo "make screenshots - run the browser tests, copy three of their screenshots into docs/images/"
	@echo "make lint   - ruff, import-linter, mypy, makemigrations --check, check, OpenAPI drift"
	@echo "make schema - regenerate the committed OpenAPI schema (docs/api/openapi.yaml)"
	@echo "make bench  - load scale-10 data into its own database, measure, write docs/performance.md"
	@echo "make fuzz   - schemathesis, every check and phase, against a live server on its own database"
	@echo "make backup - the database and the stored files, encrypted with BACKUP_ENCRYPTION_KEY, into var/backups/<time>/"
	@echo "make restore BACKUP=var/backups/<time> - check and restore them with the same key (replaces the current data)"

bootstrap:
	@bash scripts/bootstrap.sh

# Compiled catalogs (.mo) are build output: made from locale/*/LC_MESSAGES/django.po.
messages: bootstrap
	$(MANAGE) compilemessages --ignore=.venv --ignore=staticfiles -v 0

migrate: messages
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed --demo

run: seed
	@HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

test: messages
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# The browser journeys (npm_tracker/tests/browser, also run by `make test`) save their screenshots
# in var/screenshots/; these three are the README's pictures of the staff screens.
README_SCREENS := referral-overdue report-ready visit-kk field-visit-phone field-allegation-phone field-conflict-tablet field-home-tablet
screenshots: messages
	$(PY) -m pytest -n 2 npm_tracker/tests/browser $(PYTEST_ARGS)
	@for name in $(README_SCREENS); do \
		cp var/screenshots/$$name.png docs/images/browser-$$name.png; done

lint: bootstrap
	@bash scripts/check_translations.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache
	.venv/bin/mypy
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check
	@mkdir -p var
	$(MANAGE) spectacular --validate --fail-on-warn --file var/openapi.check.yaml
	@diff -u docs/api/openapi.yaml var/openapi.check.yaml > var/openapi.diff || \
		(cat var/openapi.diff; echo "The API changed: run 'make schema' and commit docs/api/openapi.yaml"; exit 1)

schema: bootstrap
	@mkdir -p docs/api
	$(MANAGE) spectacular --validate --fail-on-warn --file docs/api/openapi.yaml

# schemathesis, all checks and phases, against gunicorn on its own seeded database (npm_fuzz).
FUZZ_ARGS ?=
fuzz: messages
	@bash scripts/fuzz.sh $(FUZZ_ARGS)

# Its own database (npm_bench), Redis database 1 and port 8300: runs beside `make run`.
bench: messages
	$(PY) scripts/bench.py

# No bootstrap: a backup (run by cron, with no environment) installs nothing and never creates or
# switches a database; it backs up the one .env names, as the application reads it.
backup:
	@bash scripts/backup.sh

restore: bootstrap
	@bash scripts/restore.sh "$(BACKUP)"

format: bootstrap
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

clean:
	rm -rf .venv staticfiles var .pytest_cache .ruff_cache
