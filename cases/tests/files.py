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
