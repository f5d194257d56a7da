#!/usr/bin/env bash
# make backup: the database and the stored files (evidence, reports), encrypted with
# BACKUP_ENCRYPTION_KEY, into var/backups/<UTC timestamp>/ (or BACKUP_DIR), 0600 files in a 0700
# folder. Neither that key nor the key ring is in the backup: keep both apart (docs/security.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
exec .venv/bin/python manage.py backup
