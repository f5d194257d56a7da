#!/usr/bin/env bash
# make restore BACKUP=var/backups/<timestamp>: check the backup's checksums, then restore the
# database (into DATABASE_URL, replacing what is there) and the stored files (into MEDIA_ROOT).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
source_dir="${1:?give the backup directory}"
url="${DATABASE_URL:?DATABASE_URL is not set}"
media="${MEDIA_ROOT:-media}"
(cd "$source_dir" && sha256sum --check --quiet SHA256SUMS)
pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$url" \
  "$source_dir/database.dump"
mkdir -p "$media"
tar -C "$media" -xzf "$source_dir/files.tar.gz"
echo "restored $source_dir"
