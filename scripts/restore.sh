#!/usr/bin/env bash
# make restore BACKUP=var/backups/<timestamp>: check the backup whole (checksums, key,
# authentication), then restore the database (into DATABASE_URL, replacing what is there) and the
# stored files (into MEDIA_ROOT). Needs the BACKUP_ENCRYPTION_KEY the backup was made with.
set -euo pipefail
# Settings come from the environment, else from .env (read by the Django settings).
cd "$(dirname "$0")/.."
exec .venv/bin/python manage.py restore "${1:?give the backup directory}"
