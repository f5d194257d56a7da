"""Audio and video recognised by the structure of their container, not by a few magic bytes:
an MP3 is an optional ID3 tag followed by valid MPEG audio frames, an MP4 a sequence of boxes
starting with ``ftyp``, a WAV a RIFF file with a ``fmt `` chunk, an Ogg file a page holding a
known codec's header. None of them may carry markup a browser would render."""

import re

# Tags a browser renders or runs, near the start of a file that claims to be audio or video
# (XMP metadata, which some cameras write, is plain RDF/XML and does not match).
MARKUP = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|svg|iframe|object|embed|img|meta|link|style|form"
    rb"|base|a\s)",
    re.I,
)
MARKUP_WINDOW = 64 * 1024

# MP4 major brands that are still images (HEIF, AVIF, JPEG XL, Canon raw), not video.
IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
IMAGE_BRANDS |= {b"avif", b"avis", b"jxl ", b"crx "}
OGG_CODECS = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ", b"\x80theora")


def audio_or_video(data: bytes) -> str | None:
    """The type of an audio or video file, or ``None`` when the data is not one."""
    kind = None
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE" and _riff_has_format(data):
        kind = "audio/wav"
    elif (data.startswith(b"ID3") or data[:1] == b"\xff") and _mpeg_audio(data):
        kind = "audio/mpeg"
    elif data.startswith(b"OggS") and _ogg(data):
        kind = "audio/ogg"
    elif data[4:8] == b"ftyp" and _iso_boxes(data):
        kind = "video/mp4"
    if kind is None or MARKUP.search(data[:MARKUP_WINDOW]):
        return None
    return kind


# --- MPEG audio --------------------------------------------------------------------------------

# (version is MPEG-1, layer bits) -> kbit/s by bitrate index; MPEG-2 and 2.5 share theirs.
BITRATES = {
    (True, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _frame_length(data: bytes, at: int) -> int | None:
    """The length of the MPEG audio frame whose header is at ``at``, or ``None``."""
    header = data[at : at + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    if layer == 3:  # Layer I
        return (12 * bitrate // rate + padding) * 4
    if layer == 1 and not mpeg1:  # Layer III of MPEG-2 / 2.5
        return 72 * bitrate // rate + padding
    return 144 * bitrate // rate + padding


def _mpeg_audio(data: bytes) -> bool:
    at = 0
    if data.startswith(b"ID3"):
        # "ID3", major version 2-4, revision, flags, size in four 7-bit bytes ("syncsafe").
        version, revision, flags, *size = data[3:10] if len(data) >= 10 else (0, 0, 0)
        if version not in (2, 3, 4) or revision == 0xFF or any(b & 0x80 for b in size):
            return False
        length = size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3]
        at = 10 + length + (10 if flags & 0x10 else 0)
        # Some taggers pad with zeros beyond the size they declare.
        while at < len(data) and at < 10 + length + 4096 and data[at] == 0:
            at += 1
    first = _frame_length(data, at)
    if first is None:
        return False
    second = at + first
    # A file cut after its first frame is still audio; otherwise the next frame must follow.
    return second >= len(data) or _frame_length(data, second) is not None


# --- containers --------------------------------------------------------------------------------


def _iso_boxes(data: bytes) -> bool:
    """An ISO base media file (MP4, MOV, 3GP): ``ftyp`` of a video brand, then boxes that tile
    the file (the last may be cut), one of them holding the media."""
    if data[8:12] in IMAGE_BRANDS:
        return False
    at = 0
    kinds: list[bytes] = []
    while at < len(data) and len(kinds) < 1000:
        if at + 8 > len(data):
            return False
        size, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
        header = 8
        if size == 1:
            size, header = int.from_bytes(data[at + 8 : at + 16], "big"), 16
        elif size == 0:
            size = len(data) - at
        if size < header or not all(32 <= b < 127 or b == 0xA9 for b in kind):
            return False
        kinds.append(kind)
        at += size
    return kinds[:1] == [b"ftyp"] and bool({b"moov", b"mdat", b"moof"} & set(kinds))


def _riff_has_format(data: bytes) -> bool:
    at = 12
    for _ in range(64):
        kind, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        if len(kind) < 4 or not all(32 <= b < 127 for b in kind):
            return False
        if kind == b"fmt ":
            return 16 <= size <= len(data) - at - 8
        at += 8 + size + (size & 1)
    return False


def _ogg(data: bytes) -> bool:
    if len(data) < 28 or data[4] != 0:
        return False
    start = 27 + data[26]
    return data[start : start + 8].startswith(OGG_CODECS)
