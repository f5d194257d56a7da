"""The hash chain that makes the history tamper-evident (CONTRACT.md, "Tamper-evident
history"): one link per history row and case event, per country, in the order sealed. A link
holds the SHA-256 of the row's content and the chain hash over the previous link's."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.models.staff import Country


class IntegrityLink(models.Model):
    seq = models.BigAutoField(primary_key=True)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for rows shared by the countries (vocabularies, accounts)."),
    )
    table_name = models.CharField(_("table"), max_length=63)
    row_pk = models.CharField(_("row id"), max_length=64)
    occurred_at = models.DateTimeField(_("written at"))
    row_hash = models.CharField(_("SHA-256 of the row"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64)
    sealed_at = models.DateTimeField(_("sealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("integrity link")
        verbose_name_plural = _("integrity links")
        constraints = [
            models.UniqueConstraint(fields=("table_name", "row_pk"), name="core_link_once")
        ]
        indexes = [models.Index(fields=("country", "seq"), name="core_link_chain")]

    def __str__(self) -> str:
        return f"{self.table_name}:{self.row_pk}"
