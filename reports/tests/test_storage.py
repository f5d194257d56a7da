"""Report files at rest: encrypted like evidence, private to the service account, decrypted only
by the access-checked downloads, re-encrypted by key rotation."""

import hashlib
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from npm_tracker.core import crypto
from npm_tracker.tests.api_helpers import api_as
from reports import services
from reports.models import ReportRun
from reports.tests.factories import Q1, known_quarter

KEY_A = "a:" + crypto.new_key()
KEY_B = "b:" + crypto.new_key()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _letter() -> ReportRun:
    referral = known_quarter()["referrals"][0]
    run, _created = services.request_run(
        actor=None,
        kind="referral_letter",
        country=referral.allegation.country,
        referral=referral,
        language="ru",
        version="internal",
    )
    assert services.render(run.pk) == "done"
    return ReportRun.objects.get(pk=run.pk)


def _periodic(country) -> ReportRun:
    run, _created = services.request_run(
        actor=None,
        kind="periodic_statistics",
        country=country,
        period_start=Q1[0],
        period_end=Q1[1],
        language="ru",
        version="public",
    )
    assert services.render(run.pk) == "done"
    return ReportRun.objects.get(pk=run.pk)


@pytest.mark.django_db
def test_a_referral_letter_is_stored_encrypted_and_private(reference, media):
    run = _letter()
    stored = media / run.file.name
    raw = stored.read_bytes()
    assert raw.startswith(crypto.FILE_MAGIC) and b"%PDF" not in raw
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    for directory in (stored.parent, *[p for p in stored.parents if media in p.parents]):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    # The recorded hash and size are those of the PDF as served.
    served = ReportRun.objects.get(pk=run.pk).file.open("rb").read()
    assert served.startswith(b"%PDF")
    assert (hashlib.sha256(served).hexdigest(), len(served)) == (run.sha256, run.size)


@pytest.mark.django_db
def test_the_downloads_serve_the_decrypted_pdf_with_its_recorded_hash(reference):
    run = _letter()
    api = api_as(scopes="reports confidential")
    response = api.get(f"/api/v1/reports/{run.pk}/file/")
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and content.startswith(b"%PDF")
    assert hashlib.sha256(content).hexdigest() == run.sha256
    assert api.get(f"/api/v1/reports/{run.pk}/").json()["sha256"] == run.sha256
    staff = Client()
    staff.force_login(make_staff("reporter", "KZ"))
    admin = staff.get(reverse("admin:reports_reportrun_download", args=[run.pk]))
    assert hashlib.sha256(b"".join(admin.streaming_content)).hexdigest() == run.sha256


@pytest.mark.django_db
def test_the_file_url_is_the_access_checked_download_not_the_stored_file(reference):
    run = _periodic(known_quarter()["facility"].country)
    assert run.file.url == run.download_url()


@pytest.mark.django_db
def test_key_rotation_re_encrypts_report_files(reference, settings, media):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    run = _periodic(known_quarter()["facility"].country)
    stored = Path(media / run.file.name)
    assert crypto.file_key_id(stored.read_bytes()) == "a"
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_encryption_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert crypto.file_key_id(stored.read_bytes()) == "b"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    served = ReportRun.objects.get(pk=run.pk).file.open("rb").read()
    assert hashlib.sha256(served).hexdigest() == run.sha256
