"""Sealed originals and the chain of custody (issue "Evidence that holds up in court"): a photo
is kept twice, the original exactly as received (EXIF, GPS and hash kept, encrypted at rest)
and a working copy without metadata; the original opens only to identity roles, with a
purpose, each time written in the chain of custody; every handover is an append-only event,
sealed into the country's hash chain."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import InternalError, connection, transaction
from django.urls import reverse
from PIL import Image

from cases import services
from cases.models import CustodyEvent, Evidence
from cases.tests import files
from cases.tests.factories import make_allegation, make_referral
from conftest import make_staff
from npm_tracker.core import integrity
from npm_tracker.core.models import AccessLog, IntegrityLink
from npm_tracker.tests.api_helpers import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo_evidence(reference):
    original = files.photo()
    evidence = services.evidence_add(
        actor=None,
        allegation=make_allegation(),
        file=ContentFile(original, name="cell-7.jpg"),
        kind="photo",
    )
    return Evidence.objects.get(pk=evidence.pk), original


def _kinds(evidence) -> list[str]:
    return list(evidence.custody.order_by("occurred_at", "created_at").values_list("kind", flat=1))


def test_the_original_keeps_its_exif_and_hash_and_the_working_copy_has_none(
    photo_evidence, settings
):
    evidence, original = photo_evidence
    with evidence.open_original() as handle:
        kept = handle.read()
    assert kept == original and hashlib.sha256(kept).hexdigest() == evidence.sha256
    exif = Image.open(io.BytesIO(kept)).getexif()
    assert exif and exif.get_ifd(0x8825)  # camera data and the GPS block
    with evidence.file.open("rb") as handle:
        working = handle.read()
    assert not Image.open(io.BytesIO(working)).getexif() and b"PhoneMaker" not in working
    assert hashlib.sha256(working).hexdigest() == evidence.served_sha256 != evidence.sha256
    assert evidence.original.name != evidence.file.name
    # Both are encrypted at rest: neither the camera's name nor the JPEG header is on disk.
    for name in (evidence.original.name, evidence.file.name):
        on_disk = (Path(settings.MEDIA_ROOT) / name).read_bytes()
        assert b"PhoneMaker" not in on_disk and not on_disk.startswith(b"\xff\xd8")
    assert _kinds(evidence) == ["uploaded"]


def test_a_document_is_its_own_original(reference):
    content = files.pdf("statement")
    evidence = services.evidence_add(
        actor=None,
        allegation=make_allegation(),
        file=ContentFile(content, name="s.pdf"),
        kind="document",
    )
    assert not evidence.original and evidence.original_kept
    with evidence.open_original() as handle:
        assert handle.read() == content


def test_neither_file_can_be_replaced(photo_evidence):
    evidence, _original = photo_evidence
    with pytest.raises(Exception, match="evidence_file_immutable"), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(original="evidence/other.jpg")


def test_the_original_opens_with_a_purpose_and_each_handover_is_in_the_chain(
    client, photo_evidence
):
    evidence, original = photo_evidence
    head = make_staff("kz-head", "KZ", roles=("npm_head",), direct_permissions=False)
    client.force_login(head)
    page = client.get(reverse("admin:cases_evidence_change", args=[evidence.pk]))
    assert page.status_code == 200
    assert "Open the sealed original" in page.content.decode()
    url = reverse("admin:cases_evidence_original", args=[evidence.pk])
    assert client.get(url).status_code == 200  # the form asking why
    refused = client.post(url, {"purpose": "  "})
    assert refused.status_code == 200 and refused.context["form"].errors["purpose"]
    assert _kinds(evidence) == ["uploaded"]  # nothing recorded
    opened = client.post(url, {"purpose": "Comparison with the forensic report"})
    assert opened.status_code == 200
    body = b"".join(opened.streaming_content)
    assert body == original and Image.open(io.BytesIO(body)).getexif()
    assert AccessLog.objects.filter(user=head, what="evidence original").exists()
    working = client.get(reverse("evidence-file", args=[evidence.file.name]))
    assert b"".join(working.streaming_content) != original
    transfer = reverse("admin:cases_evidence_transfer", args=[evidence.pk])
    missing = client.post(transfer, {"purpose": "Court hearing", "handed_to": ""})
    assert missing.status_code == 200 and missing.context["form"].errors["handed_to"]
    done = client.post(
        transfer,
        {
            "purpose": "Court hearing",
            "handed_to": "Investigator A. Серікова, Karaganda regional prosecutor's office",
            "document_number": "АКТ-17",
        },
    )
    assert done.status_code == 302
    assert _kinds(evidence) == ["uploaded", "viewed_original", "downloaded", "transferred"]
    viewed = evidence.custody.get(kind="viewed_original")
    assert viewed.actor == head and viewed.purpose == "Comparison with the forensic report"
    page = client.get(reverse("admin:cases_evidence_change", args=[evidence.pk])).content
    assert "АКТ-17" in page.decode() and "Investigator A. Серікова" in page.decode()


def test_roles_that_do_not_see_the_identity_never_reach_the_files(client, photo_evidence):
    evidence, _original = photo_evidence
    client.force_login(make_staff("kz-analyst", "KZ", roles=("analyst",), direct_permissions=0))
    for url in (
        reverse("admin:cases_evidence_original", args=[evidence.pk]),
        reverse("admin:cases_evidence_transfer", args=[evidence.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"purpose": "x", "handed_to": "y"}).status_code == 404
    assert client.get(reverse("admin:cases_evidence_change", args=[evidence.pk])).status_code in (
        302,
        403,
    )
    client.force_login(make_staff("kg-head", "KG", roles=("npm_head",), direct_permissions=0))
    assert client.get(reverse("admin:cases_evidence_original", args=[evidence.pk])).status_code == (
        404
    )
    assert _kinds(evidence) == ["uploaded"]


def test_custody_events_are_append_only_and_sealed(photo_evidence):
    evidence, _original = photo_evidence
    event = evidence.custody.get()
    for sql in (
        f"UPDATE cases_custodyevent SET purpose = 'x' WHERE id = '{event.pk}'",
        f"DELETE FROM cases_custodyevent WHERE id = '{event.pk}'",
    ):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    integrity.seal()
    assert IntegrityLink.objects.filter(
        table_name=CustodyEvent._meta.db_table, row_pk=str(event.pk), country__code="KZ"
    ).exists()


def test_the_bundle_carries_the_originals_and_is_in_the_chain(photo_evidence):
    evidence, original = photo_evidence
    referral = make_referral(evidence.allegation, office_code="kz_po_karaganda")
    answer = api_as("KZ", "confidential").get(f"/api/v1/referrals/{referral.pk}/bundle/")
    assert answer.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    photos = [name for name in archive.namelist() if name.startswith("evidence/")]
    assert len(photos) == 1 and archive.read(photos[0]) == original
    bundled = evidence.custody.get(kind="bundled")
    assert referral.reference in bundled.purpose and bundled.actor_label.startswith("api-client:")


def test_api_downloads_are_handovers(photo_evidence):
    evidence, _original = photo_evidence
    answer = api_as("KZ", "confidential").get(f"/api/v1/evidence/{evidence.pk}/file/")
    assert answer.status_code == 200
    assert _kinds(evidence) == ["uploaded", "downloaded"]
