"""Fixed code lists of the cases app (codes are part of the API contract, LIFECYCLES.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    HISTORY_BREAK = "history_break", _("history does not verify")


class GuardsPresent(models.TextChoices):
    """Whether police or guards were in the room during a medical examination (Istanbul
    Protocol 2022: their presence is noted and weighed)."""

    NO = "no", _("no")
    IN_ROOM = "in_room", _("in the room")
    WITHIN_HEARING = "within_hearing", _("within sight or hearing")
    UNKNOWN = "unknown", _("not known")


class BodyView(models.TextChoices):
    FRONT = "front", pgettext_lazy("body diagram", "front")
    BACK = "back", pgettext_lazy("body diagram", "back")


class BodySide(models.TextChoices):
    LEFT = "left", pgettext_lazy("body side", "left")
    RIGHT = "right", pgettext_lazy("body side", "right")
    MIDLINE = "midline", pgettext_lazy("body side", "midline")
    BOTH = "both", pgettext_lazy("body side", "both sides")


class BodyRegion(models.TextChoices):
    HEAD = "head", _("head and scalp")
    FACE = "face", _("face")
    NECK = "neck", _("neck")
    SHOULDER = "shoulder", _("shoulder")
    CHEST = "chest", _("chest")
    ABDOMEN = "abdomen", _("abdomen")
    UPPER_BACK = "upper_back", _("upper back")
    LOWER_BACK = "lower_back", _("lower back")
    BUTTOCKS = "buttocks", _("buttocks")
    GENITALS = "genitals", _("genital and anal region")
    UPPER_ARM = "upper_arm", _("upper arm")
    ELBOW = "elbow", _("elbow")
    FOREARM = "forearm", _("forearm")
    WRIST = "wrist", _("wrist")
    HAND = "hand", _("hand")
    THIGH = "thigh", _("thigh")
    KNEE = "knee", _("knee")
    LOWER_LEG = "lower_leg", _("lower leg")
    ANKLE = "ankle", _("ankle")
    FOOT = "foot", _("foot")
    SOLE = "sole", _("sole of the foot")


class LesionType(models.TextChoices):
    ABRASION = "abrasion", _("abrasion")
    BRUISE = "bruise", _("bruise")
    LACERATION = "laceration", _("laceration")
    INCISION = "incision", _("incised wound")
    BURN = "burn", _("burn")
    ELECTRICAL = "electrical", _("electrical injury")
    FRACTURE = "fracture", _("fracture")
    SWELLING = "swelling", _("swelling")
    SCAR = "scar", _("scar")
    RESTRAINT = "restraint", _("restraint mark")
    BITE = "bite", _("bite")
    OTHER = "other", _("other")


class CustodyKind(models.TextChoices):
    """A handover of an evidence file (its chain of custody)."""

    UPLOADED = "uploaded", _("received and sealed")
    VIEWED_ORIGINAL = "viewed_original", _("original opened")
    DOWNLOADED = "downloaded", _("working copy downloaded")
    BUNDLED = "bundled", _("included in a signed bundle")
    TRANSFERRED = "transferred", _("physical transfer")
