"""``python manage.py backup [--dir DIR]``: an encrypted backup of the database and the stored
files into ``DIR/<UTC time>/`` (``BACKUP_DIR``, default ``var/backups``); it first says which
database, and the last line printed is that folder. Needs ``BACKUP_ENCRYPTION_KEY``
(``--new-key`` prints a fresh one). A database that cannot be opened or has no migrated tables
is refused with a non-zero exit."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from npm_tracker.core import backup_crypto
from npm_tracker.management.backups import check_database, describe, make_backup


class Command(BaseCommand):
    help = "Back up the database and the stored files, encrypted with BACKUP_ENCRYPTION_KEY."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=os.environ.get("BACKUP_DIR") or "var/backups")
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new backup key, then stop."
        )

    def handle(self, *args, dir, new_key=False, **options):
        if new_key:
            self.stdout.write(backup_crypto.new_key())
            return
        try:
            key = backup_crypto.key_from_environment()
            check_database(connection)
            self.stdout.write(
                _("Backing up the database %(name)s.")
                % {"name": describe(connection.settings_dict)}
            )
            target = make_backup(
                root=Path(dir),
                media=Path(settings.MEDIA_ROOT),
                key=key,
                database=settings.DATABASES["default"],
            )
        except backup_crypto.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(target))
