#!/usr/bin/env bash
# Every catalog (the Python domain django.po and the field kit's JavaScript domain djangojs.po)
# compiles cleanly and has no untranslated or fuzzy message.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for lang in ru kk ky; do
  for domain in django djangojs; do
    po="locale/$lang/LC_MESSAGES/$domain.po"
    if [[ ! -f "$po" ]]; then
      echo "$lang $domain: missing $po"
      status=1
      continue
    fi
    if ! stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1); then status=1; fi
    echo "$lang $domain: $stats"
    if grep -qE "untranslated|fuzzy" <<<"$stats"; then status=1; fi
  done
done
exit $status
