"""The data migration that makes the evidence files of earlier releases private."""

import importlib
import os
import stat

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection

from cases import services
from cases.models import Evidence
from cases.tests.factories import make_allegation
from cases.tests.files import pdf

migration = importlib.import_module("cases.migrations.0010_private_evidence_files")


@pytest.mark.django_db
def test_evidence_files_of_earlier_releases_become_private(reference, settings, tmp_path):
    # Given an evidence file left 0644 in 0755 folders, as earlier releases wrote them, and a
    # record whose file is gone.
    settings.MEDIA_ROOT = tmp_path
    evidence = services.evidence_add(
        actor=None,
        allegation=make_allegation(),
        file=ContentFile(pdf("record"), name="r.pdf"),
        kind="document",
    )
    stored = tmp_path / evidence.file.name
    os.chmod(stored, 0o644)
    for folder in stored.parents:
        os.chmod(folder, 0o755)
        if folder == tmp_path:
            break
    gone = services.evidence_add(
        actor=None,
        allegation=make_allegation(),
        file=ContentFile(pdf("gone"), name="g.pdf"),
        kind="document",
    )
    (tmp_path / gone.file.name).unlink()

    # When the migration runs.
    migration.make_evidence_private(apps, connection.schema_editor())

    # Then the file is 0600 in 0700 folders, and still opens.
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    for folder in stored.parents:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        if folder == tmp_path:
            break
    assert Evidence.objects.get(pk=evidence.pk).file.open("rb").read() == pdf("record")
