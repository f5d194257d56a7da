"""The data migration that encrypts the report files stored in clear by earlier releases."""

import hashlib
import importlib
import logging
import os
import stat

import pytest
from django.apps import apps
from django.db import connection

from npm_tracker.core import crypto
from reports import services
from reports.models import ReportRun, report_path
from reports.tests.factories import Q1

migration = importlib.import_module("reports.migrations.0005_encrypt_report_files")
PLAIN = "%PDF-1.7\nReferral letter: Айгерим\n%%EOF\n".encode()


def _old_run(media, language, content: bytes | None):
    """A done run whose file was written the old way: in clear, 0644, or not at all."""
    from npm_tracker.core.models import Country

    run, _created = services.request_run(
        actor=None,
        kind="periodic_statistics",
        country=Country.objects.get(code="KZ"),
        period_start=Q1[0],
        period_end=Q1[1],
        language=language,
        version="public",
    )
    name = report_path(run, "x.pdf")
    if content is not None:
        path = media / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.chmod(path, 0o644)
    ReportRun.objects.filter(pk=run.pk).update(
        status="done", file=name, sha256=hashlib.sha256(content or b"").hexdigest()
    )
    return ReportRun.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_existing_plaintext_report_files_are_encrypted_in_place_once(
    reference, settings, tmp_path, caplog
):
    # Given a plaintext file, one already encrypted, and a run whose file is gone.
    settings.MEDIA_ROOT = tmp_path
    plain = _old_run(tmp_path, "ru", PLAIN)
    sealed = _old_run(tmp_path, "kk", b"")
    (tmp_path / sealed.file.name).write_bytes(
        crypto.encrypt_bytes(PLAIN, f"file:{sealed.file.name}")
    )
    for folder in (tmp_path / "reports", tmp_path / "reports" / "KZ"):
        os.chmod(folder, 0o755)
    already = (tmp_path / sealed.file.name).read_bytes()
    missing = _old_run(tmp_path, "en", None)

    # When the migration runs (twice: it may be interrupted and run again).
    with caplog.at_level(logging.WARNING):
        migration.encrypt_report_files(apps, connection.schema_editor())
    first = (tmp_path / plain.file.name).read_bytes()
    migration.encrypt_report_files(apps, connection.schema_editor())

    # Then the plaintext file is encrypted, private, and serves the same PDF with its hash;
    # the encrypted one is untouched; the missing one is logged; a second run changes nothing.
    assert first.startswith(crypto.FILE_MAGIC) and b"Referral" not in first
    assert stat.S_IMODE((tmp_path / plain.file.name).stat().st_mode) == 0o600
    served = ReportRun.objects.get(pk=plain.pk).file.open("rb").read()
    assert served == PLAIN and hashlib.sha256(served).hexdigest() == plain.sha256
    assert (tmp_path / sealed.file.name).read_bytes() == already
    assert stat.S_IMODE((tmp_path / sealed.file.name).stat().st_mode) == 0o600
    for folder in (tmp_path / sealed.file.name).parents:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        if folder == tmp_path:
            break
    assert (tmp_path / plain.file.name).read_bytes() == first
    assert missing.file.name in caplog.text
    assert not list(tmp_path.rglob("tmp*"))  # no temporary file left behind
