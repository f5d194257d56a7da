"""Evidence files written by earlier releases were 0644 in 0755 folders: make them readable by
the service account only (0600, folders 0700), as new ones are. Missing files are skipped;
safe to run again."""

from django.db import migrations


def make_evidence_private(apps, schema_editor):
    from npm_tracker.core.storage import EncryptedFileSystemStorage

    storage = EncryptedFileSystemStorage()
    Evidence = apps.get_model("cases", "Evidence")
    for name in Evidence.objects.exclude(file="").values_list("file", flat=True).iterator():
        storage.make_private(name)


class Migration(migrations.Migration):
    dependencies = [("cases", "0009_encrypt_perpetrator_and_examiner")]

    operations = [migrations.RunPython(make_evidence_private, migrations.RunPython.noop)]
