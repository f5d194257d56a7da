"""Encryption of backups: streaming AES-256-GCM in chunks, with a key of its own.

The backup key (``BACKUP_ENCRYPTION_KEY``, 32 bytes in base64, ``manage.py backup --new-key``)
is not the field key ring and is never written into a backup: a stolen backup needs both keys
to reveal anything, and an operator restoring one needs both from their custodians.

File layout: ``MAGIC | salt (16) | key check (16)``, then chunks ``length (4, big-endian) |
ciphertext``. A per-file key and the key check come from HKDF-SHA256 of the backup key, the
salt and the file's label (``database.dump``, ``files.tar.gz``: files cannot be swapped). Chunk
nonces are the chunk's counter and a last-chunk flag, and the header is authenticated with each
chunk, so a reordered, truncated, extended or altered file does not decrypt.
"""

import base64
import binascii
import hmac
import os
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext as _

MAGIC = b"NPMBAK1\n"
SALT_BYTES = 16
CHECK_BYTES = 16
HEADER_BYTES = len(MAGIC) + SALT_BYTES + CHECK_BYTES
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
ENV_NAME = "BACKUP_ENCRYPTION_KEY"


class BackupError(RuntimeError):
    """A backup cannot be written or opened; the message says why and what to do."""


class WrongBackupKey(BackupError):
    pass


class BackupDamaged(BackupError):
    pass


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def parse_key(text: str | None) -> bytes:
    if not text:
        raise BackupError(
            _(
                "BACKUP_ENCRYPTION_KEY is not set: backups are encrypted with a key of their own, "
                "kept apart from the backups and from FIELD_ENCRYPTION_KEYS "
                "(make one with: python manage.py backup --new-key)."
            )
        )
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(_("BACKUP_ENCRYPTION_KEY must be 32 bytes in base64."))
    return key


def key_from_environment() -> bytes:
    return parse_key(os.environ.get(ENV_NAME))


def _derive(key: bytes, salt: bytes, label: str) -> tuple[AESGCM, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(),
        length=32 + CHECK_BYTES,
        salt=salt,
        info=b"npm-tracker backup|" + label.encode(),
    ).derive(key)
    return AESGCM(material[:32]), material[32:]


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object that encrypts what is written to ``target`` (for ``tarfile``'s
    streaming mode and ``shutil.copyfileobj``). ``close()`` writes the last chunk."""

    def __init__(self, target: BinaryIO, key: bytes, label: str):
        salt = os.urandom(SALT_BYTES)
        self._aead, check = _derive(key, salt, label)
        self._header = MAGIC + salt + check
        self._target = target
        self._target.write(self._header)
        self._buffer = bytearray()
        self._counter = 0
        self.closed = False

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK_BYTES:
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        self._target.flush()

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._target.flush()
            self.closed = True

    def _emit(self, chunk: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._counter, last), chunk, self._header)
        self._target.write(len(sealed).to_bytes(4, "big") + sealed)
        self._counter += 1


def encrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes, label: str) -> None:
    writer = EncryptingWriter(target, key, label)
    while chunk := source.read(CHUNK_BYTES):
        writer.write(chunk)
    writer.close()


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = source.read(size)
    if len(data) != size:
        raise BackupDamaged(_("The backup file is truncated or altered."))
    return data


def decrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes, label: str) -> None:
    """Decrypt ``source`` into ``target``, checking every chunk; raises ``WrongBackupKey`` or
    ``BackupDamaged``. What reached ``target`` before an error must be thrown away."""
    header = source.read(HEADER_BYTES)
    if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
        raise BackupDamaged(_("This is not an encrypted backup file of npm-tracker."))
    aead, check = _derive(key, header[len(MAGIC) : len(MAGIC) + SALT_BYTES], label)
    if not hmac.compare_digest(check, header[len(MAGIC) + SALT_BYTES :]):
        raise WrongBackupKey(
            _(
                "BACKUP_ENCRYPTION_KEY does not open this backup: it was made with another key. "
                "Nothing was restored."
            )
        )
    counter = 0
    while True:
        prefix = source.read(4)
        if len(prefix) != 4:
            raise BackupDamaged(_("The backup file is truncated or altered."))
        sealed = _read_exactly(source, int.from_bytes(prefix, "big"))
        last = False
        try:
            plain = aead.decrypt(_nonce(counter, False), sealed, header)
        except InvalidTag:
            try:
                plain = aead.decrypt(_nonce(counter, True), sealed, header)
            except InvalidTag as exc:
                raise BackupDamaged(
                    _("The backup file has been altered or damaged: it does not authenticate.")
                ) from exc
            last = True
        target.write(plain)
        counter += 1
        if last:
            break
    if source.read(1):
        raise BackupDamaged(_("The backup file has been altered: data after its end."))
