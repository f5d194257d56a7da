"""The vocabularies of allegations (methods, sources, places, the Istanbul Protocol scale) and
the prosecutor's offices that receive referrals, with the API clients that speak for them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import choices
from facilities.models import Region
from npm_tracker.core.models import ApiClient, Vocabulary, register_binding


class Method(Vocabulary):
    """A method of torture or ill-treatment (Istanbul Protocol categories)."""

    category = models.CharField(_("category"), max_length=32, blank=True)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("ill-treatment method")
        verbose_name_plural = _("ill-treatment methods")


class AllegationSource(Vocabulary):
    """How an allegation reached the NPM."""

    is_anonymous = models.BooleanField(_("anonymous"), default=False)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("allegation source")
        verbose_name_plural = _("allegation sources")


class PlaceOfIncident(Vocabulary):
    """Where the ill-treatment happened, often outside the facility (at arrest, in transport)."""

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("place of incident")
        verbose_name_plural = _("places of incident")


class ConsistencyLevel(Vocabulary):
    """A step of the Istanbul Protocol scale linking medical findings to the allegation."""

    rank = models.PositiveSmallIntegerField(pgettext_lazy("order", "rank"), unique=True)

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("consistency level")
        verbose_name_plural = _("consistency levels")


class ProsecutorOffice(Vocabulary):
    """A prosecutor's office that receives referrals (general, regional, military, transport)."""

    level = models.CharField(_("level"), max_length=16, choices=choices.ProsecutorLevel.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prosecutor_offices",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("higher office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    country_field = "country"

    class Meta(Vocabulary.Meta):
        verbose_name = _("prosecutor's office")
        verbose_name_plural = _("prosecutor's offices")


class ProsecutorClient(models.Model):
    """The prosecutor's office an API client speaks for: such a client holds only the
    ``prosecutor`` scope and sees the referrals addressed to its office."""

    api_client = models.OneToOneField(
        ApiClient,
        verbose_name=_("API client"),
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="prosecutor_office_link",
    )
    office = models.ForeignKey(
        ProsecutorOffice,
        verbose_name=_("prosecutor's office"),
        on_delete=models.PROTECT,
        related_name="api_clients",
    )

    class Meta:
        verbose_name = _("prosecutor's office of an API client")
        verbose_name_plural = _("prosecutor's offices of API clients")

    # What the office's webhooks may hear: events of its own referrals (``ApiClient.binding``).
    webhook_events = ("referral.status_changed", "referral.overdue")

    def __str__(self) -> str:
        return f"{self.api_client} → {self.office}"

    def webhook_fields(self) -> dict:
        return {"prosecutor_office_id": self.office_id}

    def clean(self):
        if self.api_client_id and self.office_id:
            if self.api_client.scope_set != {"prosecutor"}:
                raise ValidationError(_("A prosecutor's office client holds only that scope."))
            if self.api_client.country_id != self.office.country_id:
                raise ValidationError({"office": _("This office belongs to another country.")})


register_binding("prosecutor_office_link")


def prosecutor_office_id_of(caller) -> object | None:
    """The office a caller speaks for: an API client bound to a prosecutor's office, else
    ``None`` (staff, other clients). Read with the token, so it costs no query."""
    api_client = getattr(caller, "api_client", None)
    link = getattr(api_client, "prosecutor_office_link", None) if api_client else None
    return link.office_id if link is not None else None
