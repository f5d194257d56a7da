"""Fixed code lists of the facilities app (codes are part of the API contract)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    REGION = "region", _("region")
    CITY = "city", _("city of republican significance")


class SecurityLevel(models.TextChoices):
    MINIMUM = "minimum", _("minimum security")
    MEDIUM = "medium", _("medium security")
    MAXIMUM = "maximum", _("maximum security")
    EXTREME = "extreme", _("extreme security")
    MIXED = "mixed", _("mixed security")


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    REPORT_DRAFTED = "report_drafted", _("report drafted")
    REPORT_APPROVED = "report_approved", _("report approved")
    REPORT_SENT = "report_sent", _("report sent")
    CANCELLED = "cancelled", _("cancelled")


class TeamRole(models.TextChoices):
    LEADER = "leader", _("group leader")
    MEMBER = "member", _("member")
    DOCTOR = "doctor", _("medical doctor")
    LAWYER = "lawyer", _("lawyer")
    PSYCHOLOGIST = "psychologist", _("psychologist")
    SOCIAL_WORKER = "social_worker", _("social worker")
    INTERPRETER = "interpreter", _("interpreter")
    EXPERT = "expert", _("external expert")
    OBSERVER = "observer", _("observer")


class RecommendationStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ISSUED = "issued", _("issued")
    RESPONSE_RECEIVED = "response_received", _("response received")
    ACCEPTED = "accepted", _("accepted")
    PARTIALLY_ACCEPTED = "partially_accepted", _("partially accepted")
    REJECTED = "rejected", _("rejected")
    IN_PROGRESS = "in_progress", _("in progress")
    IMPLEMENTED = "implemented", _("implemented")
    PARTIALLY_IMPLEMENTED = "partially_implemented", _("partially implemented")
    NOT_IMPLEMENTED = "not_implemented", _("not implemented")
    OBSOLETE = "obsolete", _("obsolete")


class RecommendationSource(models.TextChoices):
    VISIT_REPORT = "visit_report", _("visit report")
    ANNUAL_REPORT = "annual_report", _("annual report")
    INDIVIDUAL = "individual", _("individual recommendation")


class AddresseeLevel(models.TextChoices):
    FACILITY = "facility", _("facility administration")
    AGENCY = "agency", _("agency")
    MINISTRY = "ministry", _("ministry")
    PARLIAMENT = "parliament", _("parliament")
