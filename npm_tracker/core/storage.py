"""Evidence and report files encrypted at rest (``npm_tracker.core.crypto``): written encrypted,
read decrypted, rewritten in place with the current key by the rotation command. Files are
readable by the service account only (0600, folders 0700), whatever the umask."""

import logging
import os
import tempfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from npm_tracker.core import crypto

log = logging.getLogger(__name__)

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data``: a crash leaves the old file, never half a new one. The
    new file is 0600 (``mkstemp``)."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path))
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@deconstructible
class EncryptedFileSystemStorage(FileSystemStorage):
    def __init__(self, *args, file_permissions_mode=FILE_MODE, **kwargs):
        kwargs.setdefault("directory_permissions_mode", DIRECTORY_MODE)
        super().__init__(*args, file_permissions_mode=file_permissions_mode, **kwargs)

    def url(self, name):
        """Files are never served as stored: links go to the access-checked, logged download."""
        from django.urls import reverse

        return reverse("evidence-file", args=[name])

    def _context(self, name: str) -> str:
        return f"file:{name}"

    def _save(self, name, content):
        content.seek(0)
        sealed = crypto.encrypt_bytes(content.read(), self._context(name))
        return super()._save(name, ContentFile(sealed))

    def _open(self, name, mode="rb"):
        with super()._open(name, "rb") as stored:
            data = stored.read()
        return ContentFile(crypto.decrypt_bytes(data, self._context(name)), name=name)

    def key_id(self, name: str) -> str | None:
        with super()._open(name, "rb") as stored:  # type: ignore[misc]  # Storage._open is protected API, absent from django-stubs
            return crypto.file_key_id(stored.read(len(crypto.FILE_MAGIC) + 64))

    def reencrypt(self, name: str) -> None:
        """Rewrite one file with the current key; atomic (a crash leaves the old file)."""
        plain = self._open(name).read()
        write_atomically(self.path(name), crypto.encrypt_bytes(plain, self._context(name)))

    def encrypt_in_place(self, name: str) -> bool:
        """Encrypt a file stored in clear (before its storage encrypted), atomically, and make
        it private. A file already encrypted (it starts with the magic) is only made private; a
        missing one is logged. Returns whether the file was encrypted now."""
        path = self.path(name)
        try:
            with open(path, "rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            log.warning("stored file %s is missing: left as recorded", name)
            return False
        encrypted = not data.startswith(crypto.FILE_MAGIC)
        if encrypted:
            write_atomically(path, crypto.encrypt_bytes(data, self._context(name)))
        self.make_private(name)
        return encrypted

    def make_private(self, name: str) -> None:
        """Files written by earlier releases were 0644 in 0755 folders: 0600, and 0700 for their
        folders up to the storage's root."""
        path = Path(self.path(name))
        if not path.exists():
            return
        os.chmod(path, self.file_permissions_mode or FILE_MODE)
        root = Path(self.location)
        for folder in path.parents:
            if folder != root and root not in folder.parents:
                break
            os.chmod(folder, self.directory_permissions_mode or DIRECTORY_MODE)


def evidence_storage():
    return EncryptedFileSystemStorage()
