"""Encrypt identities, statements, medical findings and evidence files stored in clear before
0002 (a separate migration: PostgreSQL refuses schema changes after row updates with pending
trigger events in one transaction)."""

from django.db import migrations

COLUMNS = {
    "cases_allegation": ("cases.allegation", ("injuries",)),
    "cases_victim": ("cases.victim", ("full_name", "date_of_birth", "contact_details")),
    "cases_witness": ("cases.witness", ("full_name", "contact_details", "statement")),
    "cases_medicalexamination": ("cases.medicalexamination", ("findings",)),
}


def encrypt_existing(apps, schema_editor):
    """Encrypt what was stored in clear before this migration: column values, the identity
    index of victims, and evidence files."""
    from datetime import date

    from django.core.files.storage import FileSystemStorage

    from npm_tracker.core import crypto

    cursor = schema_editor.connection.cursor()
    for table, (label, columns) in COLUMNS.items():
        for column in columns:
            cursor.execute(
                f"SELECT id, {column} FROM {table} "
                f"WHERE {column} IS NOT NULL AND {column} <> '' AND {column} NOT LIKE 'enc1:%%'"
            )
            for pk, value in cursor.fetchall():
                sealed = crypto.encrypt_text(value, f"{label}.{column}")
                cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [sealed, pk])
    Victim = apps.get_model("cases", "Victim")
    for victim in Victim.objects.exclude(full_name="").exclude(date_of_birth__isnull=True):
        index = crypto.blind_index(victim.full_name, date.fromisoformat(str(victim.date_of_birth)))
        Victim.objects.filter(pk=victim.pk).update(identity_index=index)
    plain = FileSystemStorage()
    cursor.execute("SELECT file FROM cases_evidence")
    for (name,) in cursor.fetchall():
        if not name or not plain.exists(name):
            continue
        with plain.open(name, "rb") as stored:
            data = stored.read()
        if data.startswith(crypto.FILE_MAGIC):
            continue
        with open(plain.path(name), "wb") as out:
            out.write(crypto.encrypt_bytes(data, f"file:{name}"))



class Migration(migrations.Migration):
    dependencies = [("cases", "0002_encrypt_identities")]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
