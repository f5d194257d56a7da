"""Checks on evidence uploads: the content decides the type (never the name or the declared
type), the size is bounded, and photos lose their metadata (EXIF, GPS, XMP) before storage —
the SHA-256 of the file as received is kept for integrity."""

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cases.errors import CaseErrorCode

IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    content: bytes  # what is stored
    metadata_removed: bool


def _sniff(head: bytes, data: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/x-ole-storage"  # .doc / .xls
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(data)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _office_zip(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(name.startswith(prefix) for name in names):
                return f"application/vnd.openxmlformats.{kind}"
    if "mimetype" in names and "content.xml" in names:
        return "application/vnd.oasis.opendocument"
    return None


def _strip_metadata(data: bytes, content_type: str) -> bytes:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            out = io.BytesIO()
            options = {"quality": 95} if content_type == "image/jpeg" else {}
            # Saved without exif, icc, xmp or text chunks: only the pixels remain.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            palette = image.getpalette() if image.mode == "P" else None
            if palette is not None:
                clean.putpalette(palette)
            clean.save(out, format=IMAGE_FORMATS[content_type], **options)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationError(
            _("The image cannot be read; it may be damaged."), code=CaseErrorCode.INVALID_FILE
        ) from exc
    return out.getvalue()


def check_upload(file) -> CheckedUpload:
    limit = settings.EVIDENCE_MAX_BYTES
    file.seek(0)
    data = file.read(limit + 1)
    file.seek(0)
    if len(data) > limit:
        raise ValidationError(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)},
            code=CaseErrorCode.FILE_TOO_LARGE,
        )
    if not data:
        raise ValidationError(_("The file is empty."), code=CaseErrorCode.INVALID_FILE)
    content_type = _sniff(data[:16], data)
    if content_type is None:
        raise ValidationError(
            _(
                "This kind of file is not accepted: send photos (JPEG, PNG, WebP), PDF, office "
                "documents, audio or video."
            ),
            code=CaseErrorCode.FILE_TYPE_NOT_ACCEPTED,
        )
    if content_type in IMAGE_FORMATS:
        return CheckedUpload(content_type, _strip_metadata(data, content_type), True)
    return CheckedUpload(content_type, data, False)
