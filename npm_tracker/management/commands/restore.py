"""``python manage.py restore DIR``: check an encrypted backup whole (checksums, then the key and
the authentication of every chunk), then replace the database (``DATABASE_URL``) and the stored
files (``MEDIA_ROOT``) with it. A wrong ``BACKUP_ENCRYPTION_KEY`` or an altered backup is refused
and nothing changes."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from npm_tracker.core import backup_crypto
from npm_tracker.management.backups import restore_backup


class Command(BaseCommand):
    help = "Restore an encrypted backup made by manage.py backup (replaces the current data)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup's folder, var/backups/<time>.")

    def handle(self, *args, backup, **options):
        try:
            restore_backup(
                source=Path(backup),
                media=Path(settings.MEDIA_ROOT),
                key=backup_crypto.key_from_environment(),
                database=settings.DATABASES["default"],
            )
        except backup_crypto.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored {backup}")
