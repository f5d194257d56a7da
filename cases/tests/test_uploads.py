"""Evidence uploads: type by content, bounded size, photos stored without EXIF/GPS (the SHA-256
of the file as received kept), nothing stored when refused."""

import base64
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases import services
from cases.models import Evidence
from cases.tests.factories import make_allegation
from cases.tests.files import pdf, photo
from npm_tracker.tests.api_helpers import api_as, assert_problem


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_photos_lose_their_location_and_camera_data(reference, fmt):
    original = photo(fmt)
    assert Image.open(io.BytesIO(original)).getexif()  # the upload does carry EXIF
    evidence = services.evidence_add(
        actor=None,
        allegation=make_allegation(),
        file=ContentFile(original, name="cell.jpg"),
        kind="photo",
    )
    stored = Evidence.objects.get(pk=evidence.pk).file.open("rb").read()
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif() and "exif" not in image.info and image.size == (32, 24)
    assert b"PhoneMaker" not in stored
    assert evidence.sha256 == hashlib.sha256(original).hexdigest()
    assert evidence.metadata_removed and evidence.content_type.startswith("image/")


@pytest.mark.django_db
def test_documents_are_stored_as_received(reference):
    content = pdf("statement")
    evidence = services.evidence_add(
        actor=None,
        allegation=make_allegation(),
        file=ContentFile(content, name="s.pdf"),
        kind="document",
    )
    assert Evidence.objects.get(pk=evidence.pk).file.open("rb").read() == content
    assert evidence.content_type == "application/pdf" and not evidence.metadata_removed


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"MZ\x90\x00 an executable", "file_type_not_accepted"),
        (b"<script>alert(1)</script>", "file_type_not_accepted"),
        (b"\x89PNG\r\n\x1a\n but not an image", "invalid_file"),
        (b"", "invalid_file"),
    ],
)
def test_other_files_are_refused_and_nothing_is_stored(reference, tmp_path, content, code):
    allegation = make_allegation()
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=None,
            allegation=allegation,
            file=ContentFile(content, name="photo.jpg"),
            kind="photo",
        )
    assert error.value.error_dict["file"][0].code == code
    assert Evidence.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_oversize_files_are_refused(reference, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=None,
            allegation=make_allegation(),
            file=ContentFile(pdf("x" * 2000), name="a.pdf"),
            kind="document",
        )
    assert error.value.error_dict["file"][0].code == "file_too_large"


@pytest.mark.django_db
def test_the_api_answers_a_refused_file_with_a_problem(reference):
    allegation = make_allegation()
    client = api_as(scopes="read write confidential", language="ru")
    response = client.post(
        f"/api/v1/allegations/{allegation.pk}/evidence/",
        {"kind": "photo", "file": SimpleUploadedFile("x.jpg", b"MZ not a photo")},
        format="multipart",
    )
    body = assert_problem(response, 400, "file_type_not_accepted")
    assert "file" in body["errors"] and Evidence.objects.count() == 0


def _repr_digest(content: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(content).digest()).decode() + ":"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("cell.jpg", photo("JPEG"), "photo"), ("s.pdf", pdf("statement"), "document")],
)
def test_the_download_is_verifiable_against_the_hash_the_api_states(reference, name, content, kind):
    """``sha256`` is the file as received; ``served_sha256`` is the file the download serves
    (a photo loses its metadata, so they differ), and the download says its own digest."""
    allegation = make_allegation()
    client = api_as(scopes="read write confidential")
    created = client.post(
        f"/api/v1/allegations/{allegation.pk}/evidence/",
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    item = created.json()
    listed = client.get(f"/api/v1/allegations/{allegation.pk}/evidence/").json()
    assert listed == [item]
    assert item["sha256"] == item["original_sha256"] == hashlib.sha256(content).hexdigest()
    assert item["size"] == item["original_size"] == len(content)

    download = client.get(f"/api/v1/evidence/{item['id']}/file/")
    served = b"".join(download.streaming_content)
    assert download.status_code == 200
    assert hashlib.sha256(served).hexdigest() == item["served_sha256"]
    assert len(served) == item["served_size"]
    assert download["Repr-Digest"] == _repr_digest(served)
    assert (item["served_sha256"] != item["sha256"]) is (kind == "photo")
    assert item["metadata_removed"] is (kind == "photo")
