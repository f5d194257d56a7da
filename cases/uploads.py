"""Checks on evidence uploads: the content decides the type (never the name or the declared
type), the size is bounded, and photos lose their metadata (EXIF, GPS, XMP) before storage —
the SHA-256 of the file as received is kept for integrity.

Beyond the first bytes: audio and video must have the structure of their container (MPEG
frames after the ID3 tag, MP4 boxes, RIFF chunks, an Ogg page) and no markup, so an HTML or
SVG page behind an audio header is refused; office documents with macros and legacy Office
files (whose macros cannot all be found) are refused; archives (OOXML, OpenDocument) are
judged from their directory, without unpacking them, and refused when they would expand beyond
``UPLOAD_MAX_DECOMPRESSED_BYTES`` or by more than ``UPLOAD_MAX_COMPRESSION_RATIO``. What is
accepted is stored and served with the type and extension of its content (``ACCEPTED``).
"""

import base64
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cases import containers
from cases.errors import CaseErrorCode

IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
ODF = "application/vnd.oasis.opendocument."

# Checked type (as stored on the evidence) -> (type it is served as, extension it is stored and
# downloaded with). Nothing outside this table is ever served as anything but bytes.
ACCEPTED = {
    "image/jpeg": ("image/jpeg", "jpg"),
    "image/png": ("image/png", "png"),
    "image/webp": ("image/webp", "webp"),
    "application/pdf": ("application/pdf", "pdf"),
    "application/vnd.openxmlformats.docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    "application/vnd.openxmlformats.xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    "application/vnd.openxmlformats.pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ODF + "text": (ODF + "text", "odt"),
    ODF + "spreadsheet": (ODF + "spreadsheet", "ods"),
    ODF + "presentation": (ODF + "presentation", "odp"),
    "audio/wav": ("audio/wav", "wav"),
    "audio/mpeg": ("audio/mpeg", "mp3"),
    "audio/ogg": ("audio/ogg", "ogg"),
    "video/mp4": ("video/mp4", "mp4"),
}
UNKNOWN = ("application/octet-stream", "bin")
# Every type a download can carry (the schema lists them).
SERVED_TYPES = sorted({content_type for content_type, _ext in ACCEPTED.values()} | {UNKNOWN[0]})
# Types earlier releases accepted and this one no longer stores: served as bytes, keeping the
# original name's extension when it is one of these.
LEGACY_EXTENSIONS = {
    "application/x-ole-storage": {"doc", "xls", "ppt"},
    "application/vnd.oasis.opendocument": {"odt", "ods", "odp", "odg"},
}

NOT_ACCEPTED = _(
    "This kind of file is not accepted: send photos (JPEG, PNG, WebP), PDF, office documents, "
    "audio or video."
)


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    content: bytes  # what is stored
    metadata_removed: bool


def extension_of(content_type: str) -> str:
    """The extension a file of this checked type is stored and downloaded with."""
    return ACCEPTED.get(content_type, UNKNOWN)[1]


def evidence_file_response(evidence, *, sealed_original: bool = False) -> FileResponse:
    """An evidence file as a download: always an attachment, with the type checked at upload
    (bytes when it is not in ``ACCEPTED``), never sniffed by the browser, and named after the
    original name with the extension of its content. ``sealed_original``: the original as
    received (the caller checked that it is kept)."""
    content_type, extension = ACCEPTED.get(evidence.content_type, UNKNOWN)
    stem, _dot, original = (evidence.filename or "file").rpartition(".")
    if not _dot:
        stem, original = original, ""
    if original.lower() in LEGACY_EXTENSIONS.get(evidence.content_type, ()):
        extension = original.lower()
    stem = stem or "file"
    response = FileResponse(
        evidence.open_original() if sealed_original else evidence.file.open("rb"),
        as_attachment=True,
        filename=f"{stem}{'-original' if sealed_original else ''}.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    digest = evidence.sha256 if sealed_original else evidence.served_sha256
    if digest:
        # RFC 9530: the digest of the bytes served, so the download checks itself.
        response["Repr-Digest"] = repr_digest(digest)
    return response


def repr_digest(sha256_hex: str) -> str:
    """A ``Repr-Digest`` header value (RFC 9530) for a SHA-256 given in hex."""
    return "sha-256=:" + base64.b64encode(bytes.fromhex(sha256_hex)).decode("ascii") + ":"


def _sniff(data: bytes) -> str | None:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # .doc / .xls / .ppt: macros hide in Word and Excel storages, in PowerPoint's document
        # stream and in Excel 4.0 sheets; they cannot be ruled out, so these are refused.
        raise ValidationError(
            _(
                "Legacy Office files (.doc, .xls, .ppt) are not accepted: they may carry macros "
                "that cannot be checked. Save the file as .docx, .xlsx, .pptx or PDF."
            ),
            code=CaseErrorCode.FILE_TYPE_NOT_ACCEPTED,
        )
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(data)
    return containers.audio_or_video(data)


def _office_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_expansion(members)
            names = {member.filename for member in members}
            kind = _office_kind(archive, names)
            if kind is not None:
                _check_macros(archive, names)
            return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError):
        return None  # damaged
    except (NotImplementedError, RuntimeError):
        return None  # an unknown compression method, an encrypted member


def _office_kind(archive, names: set[str]) -> str | None:
    if "[Content_Types].xml" in names:
        for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
            if any(name.startswith(prefix) for name in names):
                return f"application/vnd.openxmlformats.{kind}"
    if "mimetype" in names and "content.xml" in names:
        declared = _read_bounded(archive, "mimetype", 100).decode("ascii", "replace").strip()
        return declared if declared in ACCEPTED and declared.startswith(ODF) else None
    return None


def _read_bounded(archive, name: str, limit: int) -> bytes:
    # Never more than ``limit`` bytes unpacked, whatever the member claims.
    with archive.open(name) as member:
        return member.read(limit)


def _check_expansion(members) -> None:
    total = sum(member.file_size for member in members)
    packed = sum(member.compress_size for member in members)
    limit = settings.UPLOAD_MAX_DECOMPRESSED_BYTES
    if total > limit:
        raise ValidationError(
            _("The file would unpack to more than %(limit)s; it is refused.")
            % {"limit": filesizeformat(limit)},
            code=CaseErrorCode.ARCHIVE_TOO_LARGE,
        )
    ratio = settings.UPLOAD_MAX_COMPRESSION_RATIO
    suspicious = total > 1024 * 1024 and total > ratio * max(packed, 1)
    if suspicious or any(
        m.file_size > 1024 * 1024 and m.file_size > ratio * max(m.compress_size, 1) for m in members
    ):
        raise ValidationError(
            _("The file is compressed far more than any document is; it is refused."),
            code=CaseErrorCode.ARCHIVE_TOO_LARGE,
        )


MACRO_MEMBER = re.compile(r"(^|/)vbaproject\.bin$|(^|/)vbadata\.xml$|^(basic|scripts)/", re.I)


def _check_macros(archive, names: set[str]) -> None:
    macros = any(MACRO_MEMBER.search(name) for name in names)
    if not macros and "[Content_Types].xml" in names:
        declared = _read_bounded(archive, "[Content_Types].xml", 1024 * 1024).lower()
        macros = b"macroenabled" in declared or b"vbaproject" in declared
    if macros:
        raise ValidationError(
            _(
                "Documents with macros are not accepted: save the file without macros (for "
                "example as .docx or .xlsx) or as PDF."
            ),
            code=CaseErrorCode.MACRO_DOCUMENT,
        )


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
    content_type = _sniff(data)
    if content_type is None:
        raise ValidationError(NOT_ACCEPTED, code=CaseErrorCode.FILE_TYPE_NOT_ACCEPTED)
    if content_type in IMAGE_FORMATS:
        return CheckedUpload(content_type, _strip_metadata(data, content_type), True)
    return CheckedUpload(content_type, data, False)
