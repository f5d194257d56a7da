"""Fixed code lists of the cases app (codes are part of the API contract, LIFECYCLES.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AllegationStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    UNDER_ASSESSMENT = "under_assessment", _("under assessment")
    REFERRED = "referred", _("referred")
    CLOSED = "closed", _("closed")


class ClosedReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("no consent")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("insufficient information")
    DUPLICATE = "duplicate", _("duplicate")
    OUTSIDE_MANDATE = "outside_mandate", _("outside the mandate")
    WITHDRAWN = "withdrawn", _("withdrawn")
    RESOLVED = "resolved", _("resolved")


class DatePrecision(models.TextChoices):
    DAY = "day", _("exact day")
    MONTH = "month", _("month only")
    YEAR = "year", _("year only")


class ReprisalRisk(models.TextChoices):
    NONE = "none", _("none")
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


class WitnessRole(models.TextChoices):
    DETAINEE = "detainee", _("fellow detainee")
    STAFF = "staff", _("staff member")
    RELATIVE = "relative", _("relative")
    MEDICAL = "medical", _("medical worker")
    OTHER = "other", _("other")


class ConsentDestination(models.TextChoices):
    PROSECUTOR = "prosecutor", _("disclosure to the prosecutor")
    PUBLICATION = "publication", _("publication")
    SPT = "spt", _("disclosure to the UN Subcommittee (SPT)")
    MEDICAL_EXAMINATION = "medical_examination", _("medical examination")


class ConsentForm(models.TextChoices):
    WRITTEN = "written", _("written")
    ORAL = "oral", _("oral, noted by the monitor")
    RECORDED = "recorded", _("audio or video recorded")
    ELECTRONIC = "electronic", _("electronic")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("photograph")
    MEDICAL_RECORD = "medical_record", _("medical record")
    STATEMENT = "statement", _("written statement")
    DOCUMENT = "document", _("document")
    AUDIO = "audio", _("audio recording")
    VIDEO = "video", _("video recording")
    OTHER = "other", _("other")


class ProsecutorLevel(models.TextChoices):
    GENERAL = "general", _("Prosecutor General's Office")
    REGIONAL = "regional", _("regional prosecutor's office")
    MILITARY = "military", _("military prosecutor's office")
    TRANSPORT = "transport", _("transport prosecutor's office")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    REGISTERED = "registered", _("registered")
    CASE_OPENED = "case_opened", _("case opened")
    REFUSED = "refused", _("refused")
    FORWARDED = "forwarded", _("forwarded")
    TERMINATED = "terminated", _("terminated")
    IN_COURT = "in_court", _("in court")
    CONVICTED = "convicted", _("convicted")
    ACQUITTED = "acquitted", _("acquitted")
    APPEALED = "appealed", _("appealed")


class ReferralEventKind(models.TextChoices):
    SENT = "sent", _("sent to the prosecutor")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    REGISTERED = "registered", _("registered")
    CASE_OPENED = "case_opened", _("case opened")
    REFUSED = "refused", _("refused")
    FORWARDED = "forwarded", _("forwarded")
    INVESTIGATION_EXTENDED = "investigation_extended", _("investigation extended")
    TERMINATED = "terminated", _("terminated")
    SENT_TO_COURT = "sent_to_court", _("sent to court")
    CONVICTED = "convicted", _("convicted")
    ACQUITTED = "acquitted", _("acquitted")
    APPEALED = "appealed", _("appealed")


class Clock(models.TextChoices):
    """Legal clocks (LIFECYCLES.md). Which event starts each lives in code; how long it runs and
    its legal source live in the deadline-rule data."""

    REFERRAL_ANSWER = "referral_answer", _("referral answer")
    INVESTIGATION_TERM = "investigation_term", _("investigation term")
    APPEAL_ANSWER = "appeal_answer", _("appeal answer")
    RECOMMENDATION_RESPONSE = "recommendation_response", _("recommendation response")
    ANNUAL_REPORT_RESPONSE = "annual_report_response", _("annual report response")
    URGENT_ESCALATION = "urgent_escalation", _("urgent escalation")
    REPRISAL_FOLLOW_UP = "reprisal_follow_up", _("reprisal follow-up")
    PERIODIC_VISIT = "periodic_visit", _("periodic visit")
    INFORMATION_REQUEST = "information_request", _("information request")
    ERDR_NOTIFICATION = "erdr_notification", _("notification of registration")
    NON_CRIMINAL_FORWARDING = "non_criminal_forwarding", _("forwarding of non-criminal matters")


class DurationUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    WORKING_DAYS = "working_days", _("working days")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


class FollowUpReason(models.TextChoices):
    REPRISAL_RISK = "reprisal_risk", _("reprisal risk medium or high")
    REQUESTED = "requested", _("requested by the person")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class FollowUpMethod(models.TextChoices):
    VISIT = "visit", _("intermediate visit")
    CONTACT = "contact", _("contact (phone, letter, lawyer, relative)")


class FollowUpOutcome(models.TextChoices):
    NO_REPRISAL = "no_reprisal", _("no reprisal found")
    REPRISAL_REPORTED = "reprisal_reported", _("reprisal reported")


class NotificationKind(models.TextChoices):
    OVERDUE = "overdue", _("deadline overdue")
    DIGEST = "digest", _("weekly outlook")
