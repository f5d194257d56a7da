"""Encrypt the report files that earlier releases stored in clear (a separate migration from the
storage change, so that it can be run again on its own).

Each file is rewritten atomically (a crash leaves the old file whole); files already encrypted
are recognised by their magic and left alone, so the migration can be interrupted and run again;
a run whose file is missing is logged and skipped."""

import logging

from django.db import migrations

log = logging.getLogger(__name__)


def encrypt_report_files(apps, schema_editor):
    from npm_tracker.core.storage import EncryptedFileSystemStorage

    storage = EncryptedFileSystemStorage()
    ReportRun = apps.get_model("reports", "ReportRun")
    names = ReportRun.objects.exclude(file="").values_list("file", flat=True).distinct()
    encrypted = sum(storage.encrypt_in_place(name) for name in names.iterator())
    if encrypted:
        log.info("%d report files encrypted in place", encrypted)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_report_files_encrypted")]

    operations = [migrations.RunPython(encrypt_report_files, migrations.RunPython.noop)]
