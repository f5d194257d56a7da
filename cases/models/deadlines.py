"""The running legal clocks of referrals, allegations, follow-ups and recommendations, and the
notices sent about them."""

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import choices
from cases.models.allegations import Allegation
from cases.models.follow_ups import ReprisalFollowUp
from cases.models.referrals import Referral
from cases.models.rules import DeadlineRule
from facilities.models import Country
from npm_tracker.core.models import DomainModel
from npm_tracker.core.scoping import ScopedQuerySet


class DeadlineQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(met_at__isnull=True)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class Deadline(DomainModel):
    """A running legal clock: started by an event, due at a moment computed from the deadline
    rule in force on that day (whose terms and source are copied here, so later edits of the rule
    leave it alone), met by the answering event. ``overdue`` is computed when read."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    clock = models.CharField(_("clock"), max_length=32, choices=choices.Clock.choices)
    rule = models.ForeignKey(
        DeadlineRule,
        verbose_name=_("deadline rule"),
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
        blank=True,
    )
    duration = models.PositiveIntegerField(_("duration"), null=True, blank=True)
    unit = models.CharField(
        pgettext_lazy("time unit", "unit"),
        max_length=16,
        choices=choices.DurationUnit.choices,
        blank=True,
    )
    legal_source = models.CharField(_("legal source"), max_length=300)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    met_by = models.CharField(_("met by"), max_length=32, blank=True)
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    allegation = models.ForeignKey(
        Allegation, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    recommendation = models.ForeignKey(
        "facilities.Recommendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    follow_up = models.ForeignKey(
        ReprisalFollowUp,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deadlines",
    )
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    unreachable_at = models.DateTimeField(
        _("nobody to notify since"),
        null=True,
        blank=True,
        help_text=_(
            "The clock is overdue and nobody can receive its notice: no active officer with an "
            "e-mail address, no NPM head with one, no duty address of the country."
        ),
    )

    objects: ClassVar = DeadlineQuerySet.as_manager()
    country_field = "country"
    role_scope = ("deadline", "")

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ("due_at",)
        indexes = [
            models.Index(
                fields=("due_at",), condition=Q(met_at__isnull=True), name="cases_deadline_open"
            ),
            # What the overdue scan looks for: open clocks not yet notified, oldest first.
            models.Index(
                fields=("due_at",),
                condition=Q(met_at__isnull=True, overdue_notified_at__isnull=True),
                name="cases_deadline_to_notify",
            ),
            models.Index(fields=("referral", "met_at"), name="cases_deadline_referral"),
            models.Index(fields=("recommendation", "met_at"), name="cases_deadline_rec"),
            models.Index(fields=("allegation", "met_at"), name="cases_deadline_allegation"),
            models.Index(fields=("follow_up", "met_at"), name="cases_deadline_followup"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_at__gte=F("started_at")),
                name="cases_deadline_due_after_start",
            ),
            models.CheckConstraint(
                condition=Q(referral__isnull=False)
                | Q(allegation__isnull=False)
                | Q(recommendation__isnull=False)
                | Q(follow_up__isnull=False),
                name="cases_deadline_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clock_display()} · {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None

    @property
    def overdue(self) -> bool:
        return self.met_at is None and self.due_at < timezone.now()

    @property
    def subject(self):
        """The record whose clock this is: a referral, follow-up, recommendation or allegation."""
        return self.referral or self.follow_up or self.recommendation or self.allegation


class Notification(models.Model):
    """A message sent to a staff user, recorded so that it is sent once: one overdue notice per
    deadline, one digest per officer and day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="npm_notifications",
        null=True,
        blank=True,
        help_text=_("Empty when the notice went to a country's duty address."),
    )
    address = models.EmailField(_("address"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=choices.NotificationKind.choices)
    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    day = models.DateField(_("day"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    sent_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-sent_at",)
        constraints = [
            models.UniqueConstraint(
                fields=("deadline", "kind", "address"),
                condition=Q(deadline__isnull=False),
                name="cases_notification_once_per_deadline",
            ),
            models.UniqueConstraint(
                fields=("recipient", "kind", "day"),
                condition=Q(day__isnull=False),
                name="cases_notification_once_per_day",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
