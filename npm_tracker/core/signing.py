"""Ed25519 signatures over what the NPM hands over (CONTRACT.md, "Evidence bundle for the
prosecutor"). One key is current; rotating closes it (``valid_to``) and opens a new one, and the
old public key stays published so that bundles signed with it still verify."""

import hashlib
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.utils import timezone

from npm_tracker.core.models import SigningKey


def _pem(key) -> tuple[str, str]:
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def key_id_of(public_pem: str) -> str:
    """The key's id: the start of the SHA-256 of its public key, so a recipient can recompute it."""
    public = serialization.load_pem_public_key(public_pem.encode())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519-" + hashlib.sha256(raw).hexdigest()[:16]


@transaction.atomic
def rotate(now: datetime | None = None) -> SigningKey:
    """Close the current key (if any) and make a new one current from ``now``."""
    now = now or timezone.now()
    SigningKey.objects.select_for_update().filter(valid_to__isnull=True).update(valid_to=now)
    private, public = _pem(Ed25519PrivateKey.generate())
    return SigningKey.objects.create(
        key_id=key_id_of(public),
        public_key_pem=public,
        private_key_pem=private,
        valid_from=now,
    )


def current() -> SigningKey:
    """The current key; the first one is made when none exists yet."""
    key = SigningKey.objects.filter(valid_to__isnull=True).first()
    if key is not None:
        return key
    try:
        return rotate()
    except IntegrityError:  # made at the same moment by another request
        return SigningKey.objects.get(valid_to__isnull=True)


def sign(data: bytes, key: SigningKey | None = None) -> tuple[str, bytes]:
    """(key id, the raw 64-byte Ed25519 signature of ``data``) with ``key``, else the current
    one."""
    key = key or current()
    private = serialization.load_pem_private_key(str(key.private_key_pem).encode(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return key.key_id, private.sign(data)


def verify(data: bytes, signature: bytes, public_pem: str) -> bool:
    public = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(public, Ed25519PublicKey)
    try:
        public.verify(signature, data)
    except Exception:  # InvalidSignature, or a signature of the wrong length
        return False
    return True
