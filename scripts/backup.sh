#!/usr/bin/env bash
# make backup: the database (pg_dump, custom format) and the stored files (evidence, reports),
# into var/backups/<UTC timestamp>/. Encrypted values and files stay encrypted: the key ring is
# NOT in the backup and must be kept apart (docs/security.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
url="${DATABASE_URL:?DATABASE_URL is not set}"
media="${MEDIA_ROOT:-media}"
target="${BACKUP_DIR:-var/backups}/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target"
pg_dump --format=custom --no-owner --file="$target/database.dump" "$url"
if [ -d "$media" ]; then
  tar -C "$media" -czf "$target/files.tar.gz" .
else
  tar -czf "$target/files.tar.gz" --files-from /dev/null
fi
(cd "$target" && sha256sum database.dump files.tar.gz > SHA256SUMS)
echo "$target"
