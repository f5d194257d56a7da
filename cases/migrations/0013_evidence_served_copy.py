"""Evidence records the hash and size of the file as stored and served, beside those of the
file as received: they differ for photos, which are stored without their metadata. Files of
earlier releases are measured here: stored as received unless their metadata was removed, else
read back (decrypted) and hashed; a file that cannot be read is left without a served hash.
Measuring is not a change of the record: the audit triggers of the table are skipped for this
transaction (``pgtrigger.ignore``), as in 0009.
"""

import hashlib

import django.core.validators
from django.conf import settings
from django.db import migrations, models


def measure_served_files(apps, schema_editor):
    from npm_tracker.core.storage import EncryptedFileSystemStorage

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            " AND tgrelid = 'cases_evidence'::regclass"
            " AND (tgname LIKE 'pgtrigger_update_update_%%'"
            " OR tgname LIKE 'pgtrigger_confidential_changed_%%')"
        )
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"]
        )
    Evidence = apps.get_model("cases", "Evidence")
    Evidence.objects.filter(metadata_removed=False).update(
        served_sha256=models.F("sha256"), served_size=models.F("size")
    )
    storage = EncryptedFileSystemStorage()
    stripped = Evidence.objects.filter(metadata_removed=True).exclude(file="")
    for pk, name in stripped.values_list("pk", "file").iterator():
        try:
            with storage.open(name, "rb") as handle:
                content = handle.read()
        except OSError:
            continue
        Evidence.objects.filter(pk=pk).update(
            served_sha256=hashlib.sha256(content).hexdigest(), served_size=len(content)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_vocabulary_updated_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="served_sha256",
            field=models.CharField(
                default="",
                editable=False,
                help_text="Of the file as stored and downloaded: differs from the received one when metadata was removed.",
                max_length=64,
                validators=[django.core.validators.RegexValidator("^[0-9a-f]{64}$")],
                verbose_name="SHA-256 of the stored file",
            ),
        ),
        migrations.AddField(
            model_name="evidence",
            name="served_size",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, verbose_name="size of the stored file"
            ),
        ),
        migrations.AddField(
            model_name="evidencehistory",
            name="served_sha256",
            field=models.CharField(
                default="",
                editable=False,
                help_text="Of the file as stored and downloaded: differs from the received one when metadata was removed.",
                max_length=64,
                validators=[django.core.validators.RegexValidator("^[0-9a-f]{64}$")],
                verbose_name="SHA-256 of the stored file",
            ),
        ),
        migrations.AddField(
            model_name="evidencehistory",
            name="served_size",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, verbose_name="size of the stored file"
            ),
        ),
        migrations.RunPython(measure_served_files, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="evidence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("served_sha256__regex", "^[0-9a-f]{64}$"),
                    ("served_sha256", ""),
                    _connector="OR",
                ),
                name="cases_evidence_served_sha256_hex",
            ),
        ),
    ]
