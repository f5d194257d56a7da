"""The partner systems allowed to call the API, the complaint submissions they made, and their
webhooks with the delivery log."""

import uuid
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from npm_tracker.core import audit, netguard
from npm_tracker.core.models.staff import Country
from npm_tracker.core.scoping import ScopedQuerySet


class ApiClient(models.Model):
    """A partner system allowed to call the REST API with OAuth2 client credentials.

    The scopes it holds bound what any of its tokens can carry. A client may also be bound to an
    organisation by another app (a prosecutor's office holds only ``prosecutor`` and sees the
    referrals addressed to that office): the app adds a one-to-one record to the client and names
    its relation in ``ApiClient.bindings``, so the token is read with it in one query.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.OneToOneField(
        "oauth2_provider.Application",
        verbose_name=_("OAuth2 application"),
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    scopes = models.CharField(_("scopes"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    country_field = "country"
    # Reverse one-to-one relations that bind a client to an organisation, registered by the
    # apps that define them (``register_binding``).
    bindings: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def scope_set(self) -> frozenset:
        return frozenset(self.scopes.split())

    def binding(self):
        """The record that binds this client to an organisation (``bindings``), or ``None``.
        It says what the client's webhooks may hear: ``webhook_events`` (the events allowed)
        and ``webhook_fields()`` (what the webhook records of the organisation)."""
        for relation in self.bindings:
            record = getattr(self, relation, None)
            if record is not None:
                return record
        return None


def register_binding(relation: str) -> None:
    """Read ``relation`` (a reverse one-to-one of ``ApiClient``) with every token."""
    if relation not in ApiClient.bindings:
        ApiClient.bindings.append(relation)


audit.track(ApiClient)


class IdempotencyKey(models.Model):
    """A complaint submission remembered by its ``Idempotency-Key``: the same key and body
    answer the first result again; a different body under the same key is refused."""

    id = models.BigAutoField(primary_key=True)
    caller = models.CharField(_("caller"), max_length=200)
    key = models.CharField(_("key"), max_length=200)
    request_hash = models.CharField(_("request hash"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=("caller", "key"), name="npm_tracker_idempotencykey_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.caller}:{self.key}"


class Webhook(models.Model):
    """A partner's subscription to events, delivered as signed POSTs carrying ids only."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.CharField(_("owner"), max_length=200, help_text=_("The API client or user."))
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    # After a rotation the old secret still signs deliveries (beside the new one) until then.
    previous_secret = models.CharField(
        _("previous signing secret"), max_length=100, blank=True, editable=False
    )
    previous_secret_until = models.DateTimeField(
        _("previous secret valid until"), null=True, blank=True, editable=False
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Set from the client that registers it (``ApiClient.binding``): such a webhook hears only
    # of the referrals addressed to that office. Named by string, so the core imports no app.
    prosecutor_office = models.ForeignKey(
        "cases.ProsecutorOffice",
        verbose_name=_("prosecutor's office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        help_text=_("Only the referrals addressed to this office, for its own client."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    country_field = "country"

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("country", "is_active"), name="npm_tracker_webhook_live")]

    def __str__(self) -> str:
        return self.url

    def clean(self):
        # The destination rule of netguard, for every writer (API, admin, any model form).
        if self.url:
            try:
                netguard.check_registration(self.url)
            except netguard.DestinationRefused as refused:
                raise ValidationError({"url": refused.error_list}) from None


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook: the delivery log."""

    id = models.BigAutoField(primary_key=True)
    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.PROTECT, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"))
    event = models.CharField(_("event"), max_length=64)
    # What was delivered (ids only), so that it can be delivered again; empty for older rows.
    occurred_at = models.DateTimeField(_("occurred at"), null=True)
    object_type = models.CharField(_("object type"), max_length=32, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)
    created_at = models.DateTimeField(_("attempted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("webhook", "-created_at"), name="npm_tracker_delivery_log")]

    def __str__(self) -> str:
        return f"{self.event} #{self.attempt}"
