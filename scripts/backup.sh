#!/usr/bin/env bash
# make backup: the database and the stored files (evidence, reports), encrypted with
# BACKUP_ENCRYPTION_KEY, into var/backups/<UTC timestamp>/ (or BACKUP_DIR), 0600 files in a 0700
# folder. Neither that key nor the key ring is in the backup: keep both apart (docs/security.md).
# Settings come from the environment, else from .env, read by the Django settings as the
# application reads them: under cron (no environment) only .env names the database.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "No virtualenv in $PWD/.venv: run 'make bootstrap' first. Nothing was backed up." >&2
  exit 1
fi
exec .venv/bin/python manage.py backup
