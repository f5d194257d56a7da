"""Evidence files encrypted at rest (``npm_tracker.core.crypto``): written encrypted, read
decrypted, rewritten in place with the current key by the rotation command."""

import os
import tempfile

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible

from npm_tracker.core import crypto


@deconstructible
class EncryptedFileSystemStorage(FileSystemStorage):
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
        sealed = crypto.encrypt_bytes(plain, self._context(name))
        path = self.path(name)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path))
        with os.fdopen(handle, "wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)


def evidence_storage():
    return EncryptedFileSystemStorage()
