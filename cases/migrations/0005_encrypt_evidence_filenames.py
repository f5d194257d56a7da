"""Encrypt the original file names of evidence stored before 0004 (they may name a person)."""

from django.db import migrations


def encrypt_filenames(apps, schema_editor):
    from npm_tracker.core import crypto

    cursor = schema_editor.connection.cursor()
    cursor.execute(
        "SELECT id, filename FROM cases_evidence WHERE filename <> '' AND filename NOT LIKE 'enc1:%%'"
    )
    for pk, value in cursor.fetchall():
        sealed = crypto.encrypt_text(value, "cases.evidence.filename")
        cursor.execute("UPDATE cases_evidence SET filename = %s WHERE id = %s", [sealed, pk])


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_evidence_checks")]

    operations = [migrations.RunPython(encrypt_filenames, migrations.RunPython.noop)]
