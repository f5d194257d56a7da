"""The legal clocks of a record, started and met in memory as ``cases.deadlines`` does, and
written with the overdue notices the scan would have sent."""

from datetime import UTC, date, datetime, time, timedelta

from django.template.loader import render_to_string
from django.utils import translation

from cases.models import Deadline, Notification

from .constants import HORIZON, OFFICER_LANGUAGE, SCAN_SECONDS
from .reference import Reference
from .tables import Table


class Clocks:
    """The deadlines of one record, started and met as ``cases.deadlines`` does."""

    def __init__(
        self, ref: Reference, code: str, tables, subject: str, subject_id, uid, *, officer, label=""
    ):
        self.ref = ref
        self.uid = uid
        self.code = code
        self.table, self.notices = tables  # deadlines, and the overdue notices sent for them
        self.subject = subject
        self.subject_id = subject_id
        self.officer = officer
        self.label = label  # the reference a notice names (notifications.subject_of)
        self.rows: list[dict] = []

    def start(self, clock: str, started_at: datetime):
        rule = self.ref.rule_in_force(
            self.code, clock, started_at.astimezone(self.ref.countries[self.code].zone).date()
        )
        if rule is None:
            return None
        row = {
            "clock": clock,
            "rule": rule,
            "duration": rule.duration,
            "unit": rule.unit,
            "started_at": started_at,
            "due_at": self.ref.due(rule, started_at, self.code),
            "met_at": None,
            "met_by": "",
            "updated_at": started_at,
        }
        self.rows.append(row)
        return row

    def restart_until(self, previous: dict, started_at: datetime, until: date) -> None:
        zone = self.ref.countries[self.code].zone
        due = datetime.combine(until, time.max, tzinfo=zone)
        self.rows.append(
            {
                "clock": previous["clock"],
                "rule": previous["rule"],
                "duration": None,
                "unit": "",
                "started_at": started_at,
                "due_at": max(due, started_at + timedelta(seconds=1)),
                "met_at": None,
                "met_by": "",
                "updated_at": started_at,
            }
        )

    def meet(self, clocks, met_at: datetime, met_by: str) -> list[dict]:
        met = []
        for row in self.rows:
            if row["met_at"] is None and row["clock"] in clocks:
                row["met_at"] = met_at
                row["met_by"] = met_by
                row["updated_at"] = met_at
                met.append(row)
        return met

    def write(self, country_id) -> None:
        for row in self.rows:
            subjects = {"referral": None, "allegation": None, "recommendation": None}
            subjects[self.subject] = self.subject_id
            deadline_id = self.uid()
            # The first scan after the due moment notices a clock still open then.
            scan = _next_scan(row["due_at"])
            notified = None
            if scan <= HORIZON and (row["met_at"] is None or row["met_at"] > scan):
                notified = scan
            self.table.add(
                deadline_id,
                row["started_at"],
                row["updated_at"],
                country_id,
                row["clock"],
                row["rule"].pk,
                row["duration"],
                row["unit"],
                row["rule"].legal_source,
                row["started_at"],
                row["due_at"],
                row["met_at"],
                row["met_by"],
                subjects["referral"],
                subjects["allegation"],
                subjects["recommendation"],
                notified,
            )
            if notified is not None and self.officer is not None:
                self.notices.add(
                    self.uid(),
                    self.officer,
                    "",  # the officer's address, filled in after the load (``notice_addresses``)
                    "overdue",
                    deadline_id,
                    None,
                    _notice_subject(row["clock"], self.label),
                    "",
                    notified,
                    notified,
                )


def _next_scan(moment: datetime) -> datetime:
    return datetime.fromtimestamp((moment.timestamp() // SCAN_SECONDS + 1) * SCAN_SECONDS, tz=UTC)


_SUBJECTS: dict = {}


def _notice_subject(clock: str, label: str) -> str:
    """The subject ``notify_overdue`` gives the notice, in the scale officers' language; the
    template is rendered once per clock."""
    if clock not in _SUBJECTS:
        with translation.override(OFFICER_LANGUAGE):
            _SUBJECTS[clock] = render_to_string(
                "cases/email/overdue_subject.txt",
                {"deadline": Deadline(clock=clock), "subject": "\x00"},
            ).strip()
    return _SUBJECTS[clock].replace("\x00", label)


DEADLINE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "country_id",
    "clock",
    "rule_id",
    "duration",
    "unit",
    "legal_source",
    "started_at",
    "due_at",
    "met_at",
    "met_by",
    "referral_id",
    "allegation_id",
    "recommendation_id",
    "overdue_notified_at",
)
NOTICE_COLUMNS = (
    "id",
    "recipient_id",
    "address",
    "kind",
    "deadline_id",
    "day",
    "subject",
    "body",
    "sent_at",
    "delivered_at",
)


def clock_tables() -> tuple[Table, Table]:
    """The tables ``Clocks`` writes: the deadlines, and the overdue notices sent for them."""
    return Table(Deadline, DEADLINE_COLUMNS), Table(Notification, NOTICE_COLUMNS)


NOTICE_ADDRESSES = """
    UPDATE cases_notification AS n SET address = u.email
    FROM auth_user AS u WHERE n.recipient_id = u.id AND n.address = ''
"""
