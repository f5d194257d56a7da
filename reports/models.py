"""Reports as records: each PDF the system produces is a ``ReportRun``; periodic ones are asked
for by ``ReportSchedule`` records that staff edit in the admin (the beat schedule itself stays
static: one entry dispatches the schedules that are due)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from npm_tracker.core import audit
from npm_tracker.core.models import DomainModel
from npm_tracker.core.scoping import ScopedQuerySet
from reports import choices
from reports.choices import ReportKind
from reports.storage import report_storage

KEY_FIELDS = (
    "kind",
    "country",
    "region",
    "agency",
    "visit",
    "referral",
    "period_start",
    "period_end",
    "language",
    "version",
)


def report_path(run, filename: str) -> str:
    # No personal data in the stored name: the run's id and the kind.
    return f"reports/{run.country.code}/{run.kind}/{run.pk}.pdf"


def _country_id_of(subject) -> int:
    if hasattr(subject, "facility"):
        return subject.facility.country_id
    return subject.allegation.country_id


class ReportScope(models.Model):
    """What a report covers: a country, optionally one region or one agency."""

    country = models.ForeignKey(
        "npm_tracker.Country", verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "facilities.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(
        "facilities.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    version = models.CharField(
        _("version"),
        max_length=16,
        choices=choices.ReportVersion.choices,
        default=choices.ReportVersion.INTERNAL,
    )

    country_field = "country"

    class Meta:
        abstract = True

    def clean(self):
        errors = {}
        if self.country_id and self.region_id and self.region.country_id != self.country_id:
            errors["region"] = _("This region belongs to another country.")
        if self.country_id and self.agency_id and self.agency.country_id != self.country_id:
            errors["agency"] = _("This agency belongs to another country.")
        if self.region_id and self.agency_id:
            errors["agency"] = _("Choose a region or an agency, not both.")
        if errors:
            raise ValidationError(errors)


class ReportRun(ReportScope, DomainModel):
    """One production of one report. The same kind, scope, period, language and version is made
    once: asking again returns the current run (a unique constraint guards it)."""

    role_scope = ("report", "")

    kind = models.CharField(_("kind"), max_length=24, choices=ReportKind.choices)
    visit = models.ForeignKey(
        "facilities.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_runs",
    )
    referral = models.ForeignKey(
        "cases.Referral",
        verbose_name=_("referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_runs",
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=choices.RunStatus.choices,
        default=choices.RunStatus.PENDING,
        editable=False,
    )
    is_current = models.BooleanField(
        _("current"),
        default=True,
        editable=False,
        help_text=_("A refreshed run replaces this one as the current report of its key."),
    )
    error = models.TextField(_("error"), blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True, editable=False)
    timings = models.JSONField(_("timings (seconds)"), default=dict, blank=True, editable=False)
    file = models.FileField(
        _("file"), upload_to=report_path, storage=report_storage, blank=True, editable=False
    )
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True, editable=False)
    personal_data = models.BooleanField(
        _("shows personal data"),
        default=False,
        editable=False,
        help_text=_("The file names a person (with their consent): every download is logged."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    requested_by_label = models.CharField(
        _("requested by (system)"), max_length=200, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=("-created_at",), name="reports_run_created"),
            models.Index(fields=("country", "kind", "status"), name="reports_run_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                *KEY_FIELDS,
                condition=Q(is_current=True),
                nulls_distinct=False,
                name="reports_run_one_current_per_key",
                violation_error_message=_("This report has already been asked for."),
            ),
            models.CheckConstraint(
                condition=Q(kind="visit", visit__isnull=False, referral__isnull=True)
                | Q(kind="referral_letter", referral__isnull=False, visit__isnull=True)
                | Q(
                    kind__in=("periodic_statistics", "annual"),
                    visit__isnull=True,
                    referral__isnull=True,
                    period_start__isnull=False,
                    period_end__isnull=False,
                ),
                name="reports_run_kind_has_its_subject",
                violation_error_message=_(
                    "A visit report needs a visit, a letter a referral, statistics a period."
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="reports_run_period_order",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        record = self.visit or self.referral
        if record is not None:
            subject = str(record)
        else:
            subject = f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"
        return f"{self.get_kind_display()} · {subject} · {self.language}"

    def get_absolute_url(self) -> str:
        return reverse("admin:reports_reportrun_change", args=[self.pk])

    def download_url(self) -> str:
        return reverse("admin:reports_reportrun_download", args=[self.pk])

    @property
    def filename(self) -> str:
        if self.visit is not None:
            subject = f"visit-{self.visit.started_on:%Y%m%d}"
        elif self.referral is not None:
            subject = self.referral.reference.replace("/", "-")
        else:
            subject = f"{self.period_start:%Y%m%d}-{self.period_end:%Y%m%d}"
        return f"{self.kind}-{self.country.code}-{subject}-{self.language}-{self.version}.pdf"

    def clean(self):
        super().clean()
        errors = {}
        if self.kind in choices.OBJECT_KINDS:
            subject = self.visit if self.kind == ReportKind.VISIT else self.referral
            field = "visit" if self.kind == ReportKind.VISIT else "referral"
            if subject is None:
                errors[field] = _("Choose the record this report is about.")
            elif self.country_id and _country_id_of(subject) != self.country_id:
                errors[field] = _("This record belongs to another country.")
        else:
            if not self.period_start or not self.period_end:
                errors["period_end"] = _("Give the period the report covers.")
            elif self.period_end < self.period_start:
                errors["period_end"] = _("The period cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class ReportSchedule(ReportScope, DomainModel):
    """A report produced every month, quarter or year for the period just ended, and e-mailed to
    its recipients as a link."""

    kind = models.CharField(
        _("kind"),
        max_length=24,
        choices=[(k.value, k.label) for k in choices.SCHEDULED_KINDS],
    )
    cadence = models.CharField(_("cadence"), max_length=16, choices=choices.Cadence.choices)
    recipients = models.TextField(
        _("recipients"),
        blank=True,
        help_text=_("E-mail addresses, one per line. They receive a link, never the file."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        ordering = ("country", "kind", "cadence")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="annual") | Q(cadence="annual"),
                name="reports_schedule_annual_is_yearly",
                violation_error_message=_("The annual report is made once a year."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_cadence_display()} · {self.country}"

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.replace(",", "\n").split() if line]

    def clean(self):
        super().clean()
        bad = []
        for address in self.recipient_list:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                {"recipients": _("Not an e-mail address: %(list)s") % {"list": ", ".join(bad)}}
            )


class ReportDelivery(models.Model):
    """A schedule's run sent (as a link) to the schedule's recipients: once per run."""

    schedule = models.ForeignKey(
        ReportSchedule,
        verbose_name=_("schedule"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    run = models.ForeignKey(
        ReportRun, verbose_name=_("report"), on_delete=models.PROTECT, related_name="deliveries"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.TextField(_("sent to"), blank=True)

    objects = ScopedQuerySet.as_manager()
    country_field = "schedule__country"

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        constraints = [
            models.UniqueConstraint(fields=("schedule", "run"), name="reports_delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.schedule} → {self.run}"


for _model in (ReportRun, ReportSchedule, ReportDelivery):
    audit.track(_model)
