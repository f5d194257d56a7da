"""Evidence uploads are judged by their structure, not their first bytes: markup behind an audio
header, macro documents, legacy Office files and zip bombs are refused; what is accepted is
stored and served under the extension and type of its content, never as HTML or SVG."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import services
from cases.models import Evidence
from cases.tests.factories import make_allegation
from cases.tests.files import mp3, mp4, odf, ole_with_macros, ooxml, pdf, photo, zip_bomb
from conftest import make_staff
from npm_tracker.tests.api_helpers import api_as, assert_problem

MARKUP = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(content, name, kind="document"):
    return services.evidence_add(
        actor=None, allegation=make_allegation(), file=ContentFile(content, name=name), kind=kind
    )


def refused(content, name, tmp_path):
    with pytest.raises(ValidationError) as error:
        upload(content, name)
    assert Evidence.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
    (problem,) = error.value.error_dict["file"]
    assert str(problem.message)
    return problem.code


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"ID3" + MARKUP, "x.html"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00" + MARKUP, "x.html"),  # a valid tag, then no audio
        (b"\xff\xfb<svg onload=alert(1)>", "x.svg"),
        (b"\xff\xfb\x90\x64<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "x.svg"),
        (mp3(payload=MARKUP), "x.html"),  # real frames carrying a page
        (b"\x00\x00\x00\x18ftypisom" + MARKUP, "x.html"),
        (mp4(b"heic"), "x.mp4"),  # an HEIF image, not a video
        (b"RIFF\x24\x00\x00\x00WAVE" + MARKUP, "x.wav"),
        (b"OggS" + MARKUP, "x.ogg"),
    ],
)
def test_audio_and_video_headers_in_front_of_something_else_are_refused(
    reference, tmp_path, content, name
):
    assert refused(content, name, tmp_path) == "file_type_not_accepted"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name"),
    [
        (ooxml(macro_type=True), "statement.docm"),
        (ooxml(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"}), "statement.docx"),
        (ooxml("xl", macro_type=True, extra={"xl/vbaProject.bin": b"vba"}), "sheet.xlsm"),
        (ooxml("xl", extra={"customUI/VBAPROJECT.BIN": b"vba"}), "sheet.xlsx"),
        (odf(extra={"Basic/Standard/Module1.xml": "<script:module/>"}), "letter.odt"),
    ],
)
def test_macro_documents_are_refused(reference, tmp_path, content, name):
    assert refused(content, name, tmp_path) == "macro_document"


@pytest.mark.django_db
def test_legacy_office_files_are_refused(reference, tmp_path):
    # Their macros (Word, Excel 4.0 sheets, PowerPoint) cannot all be found reliably.
    assert refused(ole_with_macros(), "statement.doc", tmp_path) == "file_type_not_accepted"


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_without_unpacking_it(reference, tmp_path):
    bomb = zip_bomb(1024**3)  # 1 GiB of zeros in about 1 MB
    assert len(bomb) < 2 * 1024 * 1024
    assert refused(bomb, "statement.docx", tmp_path) == "archive_too_large"


@pytest.mark.django_db
def test_archives_are_bounded_by_size_and_by_compression_ratio(reference, tmp_path, settings):
    # Far beyond any document's ratio, yet below the size limit.
    assert refused(zip_bomb(8 * 1024**2), "a.docx", tmp_path) == "archive_too_large"
    settings.UPLOAD_MAX_DECOMPRESSED_BYTES = 1000
    assert refused(ooxml(extra={"word/a.xml": "x" * 900}), "a.docx", tmp_path) == (
        "archive_too_large"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "content_type", "extension"),
    [
        (mp3(), "x.html", "audio/mpeg", "mp3"),
        (mp3(tag=False), "x.svg", "audio/mpeg", "mp3"),
        (mp3()[:20] + bytes(300) + mp3()[20:], "x.svg", "audio/mpeg", "mp3"),  # padded tag
        (mp4(), "x.svg", "video/mp4", "mp4"),
        (ooxml(), "statement.html", "application/vnd.openxmlformats.docx", "docx"),
        (ooxml("xl"), "sheet.xlsm", "application/vnd.openxmlformats.xlsx", "xlsx"),
        (odf(), "letter.htm", "application/vnd.oasis.opendocument.text", "odt"),
        (pdf("statement"), "statement.svg", "application/pdf", "pdf"),
        (photo("PNG"), "cell.html", "image/png", "png"),
    ],
)
def test_accepted_files_are_stored_under_the_extension_of_their_content(
    reference, content, name, content_type, extension
):
    evidence = upload(content, name)

    assert evidence.content_type == content_type
    assert evidence.file.name == f"evidence/{evidence.allegation_id}/{evidence.sha256}.{extension}"
    assert Evidence.objects.get(pk=evidence.pk).filename == name  # kept (encrypted) as sent


@pytest.mark.django_db
def test_the_api_answers_a_macro_document_with_a_problem(reference):
    allegation = make_allegation()
    client = api_as(scopes="read write confidential")
    response = client.post(
        f"/api/v1/allegations/{allegation.pk}/evidence/",
        {"kind": "document", "file": SimpleUploadedFile("s.docm", ooxml(macro_type=True))},
        format="multipart",
    )
    body = assert_problem(response, 400, "macro_document")
    assert "file" in body["errors"] and Evidence.objects.count() == 0


def assert_served_safely(response, content_type, filename):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f'filename="{filename}"' in response["Content-Disposition"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "name", "content_type", "filename"),
    [
        (mp3(), "x.html", "audio/mpeg", "x.mp3"),
        (mp4(), "clip.svg", "video/mp4", "clip.mp4"),
        (
            ooxml(),
            "statement.html",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "statement.docx",
        ),
        (pdf("statement"), "statement.svg", "application/pdf", "statement.pdf"),
    ],
)
def test_downloads_carry_the_checked_type_never_html_or_svg(
    reference, content, name, content_type, filename
):
    evidence = upload(content, name)
    staff = Client()
    staff.force_login(make_staff("kz-head", "KZ"))
    api = api_as(scopes="read confidential")

    for response in (
        staff.get(evidence.file.url),
        api.get(f"/api/v1/evidence/{evidence.pk}/file/"),
    ):
        assert_served_safely(response, content_type, filename)
        assert b"".join(response.streaming_content) == content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored_type", "name", "filename"),
    [
        ("text/html", "page.html", "page.bin"),
        ("image/svg+xml", "drawing", "drawing.bin"),
        # Legacy Office files stored by earlier releases keep their own extension.
        ("application/x-ole-storage", "old.DOC", "old.doc"),
        ("application/x-ole-storage", "old.html", "old.bin"),
        ("application/vnd.oasis.opendocument", "letter.odt", "letter.odt"),
    ],
)
def test_a_file_of_a_type_not_accepted_is_served_as_bytes(reference, stored_type, name, filename):
    evidence = upload(pdf(), name)
    Evidence.objects.filter(pk=evidence.pk).update(content_type=stored_type)
    staff = Client()
    staff.force_login(make_staff("kz-head", "KZ"))

    response = staff.get(evidence.file.url)

    assert_served_safely(response, "application/octet-stream", filename)
