#!/usr/bin/env bash
# Every catalog compiles cleanly and has no untranslated or fuzzy message.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for lang in ru kk ky; do
  po="locale/$lang/LC_MESSAGES/django.po"
  stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1)
  echo "$lang: $stats"
  if grep -qE "untranslated|fuzzy" <<<"$stats"; then status=1; fi
done
exit $status
