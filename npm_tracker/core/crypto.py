"""Encryption at rest of identities, contact details, statements, medical findings and evidence
files (OPCAT Art. 21; DOMAIN.md §6).

AES-256-GCM (authenticated) with a key ring from the environment, separate from ``SECRET_KEY``:
``FIELD_ENCRYPTION_KEYS="k2:<base64 32 bytes>,k1:<...>"`` — the first key encrypts, every key
decrypts. Each ciphertext names its key (``enc1:<key id>:<base64 nonce+ciphertext>``) and is
bound to its column, so a value copied into another column does not decrypt. A missing or wrong
key raises ``EncryptionError``: the ciphertext is never shown in place of the value.

``python manage.py rotate_encryption_keys`` re-encrypts every value and file with the first key;
after it, older keys can leave the ring.

An HMAC blind index (``BLIND_INDEX_KEY``) of a normalised name and date of birth lets the system
tell that a person appears in other allegations without decrypting them; one of a normalised name
alone (``name_index``) does the same for alleged perpetrators.

``encrypted_columns()`` is the one list of the confidential columns: every column of an
``Encrypted*Field``, read from the models, which the dump test, key rotation and the history
check all go by.
"""

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1"
FILE_MAGIC = b"NPMENC1\n"
NONCE_BYTES = 12


class EncryptionError(RuntimeError):
    """A value or file cannot be decrypted (no such key, wrong key, tampered data)."""


class KeyRing:
    def __init__(self, entries):
        self.keys: dict[str, bytes] = {}
        current: str | None = None
        for entry in entries:
            kid, _sep, encoded = entry.strip().partition(":")
            if not kid or not encoded:
                raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries are '<id>:<base64 key>'.")
            key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            if len(key) != 32:
                raise ImproperlyConfigured(f"Encryption key {kid!r} must be 32 bytes.")
            self.keys[kid] = key
            current = current or kid
        if current is None:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
        self.current: str = current

    def encrypt(self, data: bytes, context: str) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(
            nonce, data, f"{self.current}|{context}".encode()
        )
        return self.current, nonce + sealed

    def decrypt(self, kid: str, blob: bytes, context: str) -> bytes:
        key = self.keys.get(kid)
        if key is None:
            raise EncryptionError(
                f"The key {kid!r} is not in the key ring (FIELD_ENCRYPTION_KEYS)."
            )
        try:
            return AESGCM(key).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"{kid}|{context}".encode()
            )
        except InvalidTag as exc:
            raise EncryptionError(
                f"A value encrypted with key {kid!r} does not decrypt: wrong key or altered data."
            ) from exc


@lru_cache(maxsize=4)
def _ring(entries: tuple) -> KeyRing:
    return KeyRing(entries)


def keyring() -> KeyRing:
    return _ring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def new_key() -> str:
    """A fresh key for the ring, base64 (``manage.py rotate_encryption_keys --new-key``)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def encrypt_text(value: str, context: str) -> str:
    kid, blob = keyring().encrypt(value.encode(), context)
    return f"{PREFIX}:{kid}:{base64.b64encode(blob).decode()}"


def key_id_of(token: str) -> str | None:
    parts = token.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == PREFIX else None


def decrypt_text(token: str, context: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise EncryptionError(f"A value of {context} is stored unencrypted.")
    return keyring().decrypt(parts[1], base64.b64decode(parts[2]), context).decode()


def encrypt_bytes(data: bytes, context: str) -> bytes:
    kid, blob = keyring().encrypt(data, context)
    return FILE_MAGIC + kid.encode() + b"\n" + blob


def decrypt_bytes(data: bytes, context: str) -> bytes:
    if not data.startswith(FILE_MAGIC):
        raise EncryptionError(f"The file {context} is stored unencrypted.")
    kid, _sep, blob = data[len(FILE_MAGIC) :].partition(b"\n")
    return keyring().decrypt(kid.decode(), blob, context)


def file_key_id(data: bytes) -> str | None:
    if not data.startswith(FILE_MAGIC):
        return None
    return data[len(FILE_MAGIC) :].partition(b"\n")[0].decode()


# --- blind index ------------------------------------------------------------------------------


def normalise_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(
        sorted(text.split())
    )  # word order does not matter: "Ivanov Ivan" = "Ivan Ivanov"


def _keyed_hash(message: str) -> str:
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def blind_index(name: str, born: date | None) -> str:
    """HMAC-SHA256 of the normalised name and date of birth; "" when either is missing."""
    normalised = normalise_name(name)
    if not normalised or born is None:
        return ""
    return _keyed_hash(f"{normalised}|{born.isoformat()}")


def name_index(name: str) -> str:
    """HMAC-SHA256 of the normalised name alone (case and word order ignored); "" without a
    name. Prefixed, so that it never equals a person's ``blind_index``."""
    normalised = normalise_name(name)
    if not normalised:
        return ""
    return _keyed_hash(f"name|{normalised}")


# --- model fields -----------------------------------------------------------------------------


class SecretStr(str):
    """A decrypted value that remembers its stored ciphertext: saved unchanged, it keeps it (no
    new nonce, so the audit trail sees no change that did not happen)."""

    ciphertext: str = ""


class SecretDate(date):
    ciphertext: str = ""


class Stored(str):
    """A ciphertext handed to the database as is."""


if TYPE_CHECKING:
    _FieldBase = models.Field
else:
    _FieldBase = object


class EncryptedFieldMixin(_FieldBase):
    """Stores the value encrypted in a ``text`` column; empty values stay empty."""

    secret_type = SecretStr

    def db_type(self, connection):
        return "text"

    def cast_db_type(self, connection):
        return "text"

    def get_internal_type(self):
        return "TextField"

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, SecretStr | SecretDate) and value.ciphertext:
            return Stored(value.ciphertext)
        return value

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or value == "":
            return value
        if isinstance(value, Stored):
            return str(value)
        return encrypt_text(self.to_text(value), self.context)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        plain = self.from_text(decrypt_text(value, self.context))
        secret = self.wrap(plain)
        secret.ciphertext = value
        return secret

    def wrap(self, plain):
        return SecretStr(plain)

    # Emptiness and change detection (the audit triggers' IS DISTINCT FROM) only: ordering or
    # pattern search on ciphertext would answer wrongly.
    ALLOWED_LOOKUPS = frozenset({"isnull", "exact", "df", "ndf"})

    def get_lookup(self, lookup_name):
        if lookup_name not in self.ALLOWED_LOOKUPS:
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    pass


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    pass


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    def to_text(self, value) -> str:
        return self.to_python(value).isoformat()

    def from_text(self, text: str):
        return date.fromisoformat(text)

    def wrap(self, plain):
        return SecretDate(plain.year, plain.month, plain.day)


def encrypted_fields(model) -> list:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]


def encrypted_model_fields() -> list[tuple[type[models.Model], models.Field]]:
    """Every encrypted field of every installed model, as ``(model, field)``, each table once
    (proxies and unmanaged models share a table or have none)."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for field in encrypted_fields(model)
    ]


def encrypted_columns() -> list[tuple[str, str]]:
    """The confidential columns, ``(table, column)``: those stored encrypted."""
    return [(model._meta.db_table, field.column) for model, field in encrypted_model_fields()]
