"""The keys that sign what the NPM hands over (the evidence bundle for the prosecutor): data,
with validity dates, rotated by ``manage.py rotate_signing_key``. The private key is stored
encrypted under the field-encryption key ring, never in clear; the public keys are published at
``GET /api/v1/signing-keys/``."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.crypto import EncryptedTextField


class SigningKey(models.Model):
    key_id = models.CharField(_("key id"), max_length=64, unique=True)
    algorithm = models.CharField(_("algorithm"), max_length=16, default="ed25519", editable=False)
    public_key_pem = models.TextField(_("public key (PEM)"))
    private_key_pem = EncryptedTextField(_("private key (PEM)"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ("-valid_from",)
        constraints = [
            models.UniqueConstraint(
                fields=("algorithm",),
                condition=Q(valid_to__isnull=True),
                name="core_signingkey_one_current",
                violation_error_message=_("Only one signing key is current at a time."),
            )
        ]

    def __str__(self) -> str:
        return self.key_id
