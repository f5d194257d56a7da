"""Real files for evidence tests (uploads are checked by content)."""

import io

from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def photo(fmt="JPEG", *, gps=True, colour=(180, 40, 40)) -> bytes:
    """A small photo; with ``gps`` its EXIF carries a location and a camera name."""
    image = Image.new("RGB", (32, 24), colour)
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 57.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes() if gps else b"")
    return out.getvalue()


def pdf(text: str = "") -> bytes:
    return PDF + text.encode()


# --- audio, video and office files, built from their structure ---------------------------------

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: frames of 417 bytes.
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(413)


def mp3(frames: int = 3, *, tag: bool = True, payload: bytes = b"") -> bytes:
    """An MP3: an ID3v2.4 tag (10 bytes of padding) then ``frames`` audio frames; ``payload``
    is written into the first frame."""
    head = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + bytes(10) if tag else b""
    first = MP3_FRAME[:4] + payload + MP3_FRAME[4 + len(payload) :]
    return head + first + MP3_FRAME * (frames - 1)


def _box(kind: bytes, body: bytes = b"") -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def mp4(brand: bytes = b"isom") -> bytes:
    """A minimal MP4: ``ftyp``, an empty ``moov`` and a small ``mdat``."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + b"isommp41")
    return ftyp + _box(b"moov", _box(b"mvhd", bytes(100))) + _box(b"mdat", bytes(64))


OOXML_TYPES = {
    "word": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xl": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
MACRO_TYPES = {
    "word": "application/vnd.ms-word.document.macroEnabled.main+xml",
    "xl": "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
}


def ooxml(part: str = "word", *, macro_type: bool = False, extra: dict | None = None) -> bytes:
    """A Word (``word``) or Excel (``xl``) file; ``macro_type`` declares it macro-enabled,
    ``extra`` adds members (name -> bytes)."""
    import zipfile

    main = "document.xml" if part == "word" else "workbook.xml"
    content_type = (MACRO_TYPES if macro_type else OOXML_TYPES)[part]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{part}/{main}" ContentType="{content_type}"/>'
            "</Types>",
        )
        archive.writestr(f"{part}/{main}", "<document>Statement of the detainee.</document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def odf(kind: str = "text", *, extra: dict | None = None) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype", f"application/vnd.oasis.opendocument.{kind}", zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", "<office:document-content/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def ole_with_macros() -> bytes:
    """The start of a legacy Word file whose directory holds a ``Macros`` storage."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    name = "Macros".encode("utf-16-le") + b"\x00\x00"
    entry = name.ljust(64, b"\x00") + len(name).to_bytes(2, "little") + b"\x01" + bytes(61)
    return header + entry


def zip_bomb(expanded: int) -> bytes:
    """A Word file carrying ``expanded`` bytes of zeros, compressed (written in chunks)."""
    import zipfile

    out = io.BytesIO(ooxml())
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/zeros.bin", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(expanded // len(chunk)):
            member.write(chunk)
    return out.getvalue()
