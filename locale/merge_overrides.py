#!/usr/bin/env python3
"""Merge the Django-admin override catalogs into the project catalogs.

Django's own Kazakh admin catalog is old and incomplete (and the Kyrgyz one lacks a few recent
strings), so the missing admin strings are translated in

    locale/<lang>/LC_MESSAGES/django_admin_overrides.po

Those entries have no reference in this project's source, so `manage.py makemessages
--no-obsolete` drops them from django.po. Run this script after every makemessages run
(and before compilemessages), from the project's root:

    .venv/bin/python manage.py makemessages -l ru -l kk -l ky --no-obsolete \
        --ignore=.venv --ignore=staticfiles --ignore=var --ignore=node_modules
    python3 locale/merge_overrides.py          # needs the gettext tools (msgcat, msgfmt)
    .venv/bin/python manage.py compilemessages --ignore=.venv

For each language with an overrides file it runs
    msgcat --use-first -o django.po django.po django_admin_overrides.po
so the project's own translation wins when a msgid is in both files, then checks the result
with `msgfmt --check --statistics`. It is idempotent: running it twice changes nothing.
Edit translations of Django admin strings in django_admin_overrides.po, not in django.po.
"""

import subprocess
import sys
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent


def main() -> int:
    status = 0
    for overrides in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django_admin_overrides.po")):
        target = overrides.with_name("django.po")
        if not target.exists():
            print(f"skip {overrides}: no {target.name} next to it", file=sys.stderr)
            continue
        subprocess.run(
            ["msgcat", "--use-first", "-o", str(target), str(target), str(overrides)],
            check=True,
        )
        check = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(target)],
            capture_output=True,
            text=True,
        )
        print(f"{target.relative_to(LOCALE_DIR.parent)}: {check.stderr.strip()}")
        status = status or check.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
