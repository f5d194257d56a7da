"""Fixed code lists of the reports (codes are part of the API contract)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ReportKind(models.TextChoices):
    PERIODIC_STATISTICS = "periodic_statistics", _("periodic statistics")
    ANNUAL = "annual", _("annual report")
    VISIT = "visit", _("visit report")
    REFERRAL_LETTER = "referral_letter", _("letter to the prosecutor's office")


SCHEDULED_KINDS = (ReportKind.PERIODIC_STATISTICS, ReportKind.ANNUAL)
OBJECT_KINDS = (ReportKind.VISIT, ReportKind.REFERRAL_LETTER)


class ReportVersion(models.TextChoices):
    INTERNAL = "internal", _("internal")
    PUBLIC = "public", _("public (anonymised)")


class RunStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", pgettext_lazy("report status", "running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    ANNUAL = "annual", _("annual")
