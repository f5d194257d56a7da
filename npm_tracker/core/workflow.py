"""Lifecycles as transition tables keyed by jurisdiction and effective date.

A table is data: which step (an event kind, or the target status) is allowed from which statuses,
what it leads to and what it needs. A lifecycle keeps every version of its table; an object
follows the version in force in its country on the day it was opened, so a new version applies to
objects opened after its effective date and never to older ones. The content of the tables lives
in each app's ``lifecycles.py``; the one transition service of each model asks them.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.errors import DomainError, ErrorCode

# Clock skew allowed between a client and the server when checking "not in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)

# What a step may ask for, with the error code used when it is missing.
NEEDS_CODES = {
    "external_number": ErrorCode.EXTERNAL_NUMBER_REQUIRED,
    "note": ErrorCode.NOTE_REQUIRED,
    "reason": ErrorCode.REASON_REQUIRED,
    "article": ErrorCode.ARTICLE_REQUIRED,
    "sentence": ErrorCode.SENTENCE_REQUIRED,
    "addressee": ErrorCode.ADDRESSEE_REQUIRED,
    "new_term": ErrorCode.NEW_TERM_REQUIRED,
}
NEEDS_MESSAGES = {
    "external_number": _("This step needs the external register number."),
    "note": _("This step needs a note (grounds, addressee or reason)."),
    "reason": _("This step needs a reason."),
    "article": _("This step needs the article of the conviction."),
    "sentence": _("This step needs the sentence."),
    "addressee": _("This step needs the addressee of the appeal."),
    "new_term": _("This step needs the new term."),
}


@dataclass(frozen=True)
class Step:
    """One allowed move: ``name`` (event kind or target status) from ``sources``."""

    name: str
    sources: frozenset
    target: str | None  # None: the status does not change
    needs: tuple = ()
    by_staff: bool = True  # False: happens only as a consequence of another step

    @classmethod
    def make(cls, name, sources, target="=", needs=(), by_staff=True):
        return cls(
            name=name,
            sources=frozenset(sources),
            target=name if target == "=" else target,
            needs=tuple(needs),
            by_staff=by_staff,
        )

    def status_after(self, current: str) -> str:
        """The status a record in ``current`` has after this step."""
        return current if self.target is None else self.target


@dataclass(frozen=True)
class TableVersion:
    """The table in force from ``effective_from`` in ``country`` (``None``: both countries)."""

    effective_from: date
    steps: tuple
    country: str | None = None
    source: str = ""


@dataclass
class Lifecycle:
    """Every version of one model's transition table."""

    name: str
    versions: list = field(default_factory=list)

    def table(self, country_code: str, opened_on: date) -> TableVersion:
        candidates = [
            v
            for v in self.versions
            if v.country in (None, country_code) and v.effective_from <= opened_on
        ]
        if not candidates:
            raise DomainError(
                _("No transition table is in force for this record's country and date."),
                code=ErrorCode.INVALID_TRANSITION,
            )
        # The newest version wins; on the same day a country's own table beats the shared one.
        return max(candidates, key=lambda v: (v.effective_from, v.country is not None))

    def allowed(self, country_code, opened_on, current, *, staff_only=True) -> list[Step]:
        return [
            s
            for s in self.table(country_code, opened_on).steps
            if current in s.sources and (s.by_staff or not staff_only)
        ]

    def step(self, country_code, opened_on, current, name, *, automatic=False) -> Step:
        """The step ``name`` from ``current``, or a coded ``invalid_transition`` error."""
        for s in self.table(country_code, opened_on).steps:
            if s.name == name and current in s.sources and (s.by_staff or automatic):
                return s
        raise DomainError(
            _("“%(step)s” is not allowed from the status “%(status)s”."),
            code=ErrorCode.INVALID_TRANSITION,
            params={"step": name, "status": current},
        )


def check_expected_status(current: str, expected: str | None) -> None:
    """Refuse a step taken from a page (or an API read) that showed another status."""
    if expected and current != expected:
        raise DomainError(
            _("Someone else has just changed this record; reload it and try again."),
            code=ErrorCode.CONCURRENT_UPDATE,
        )


def local_day(moment, country) -> date:
    """The calendar day of ``moment`` in the country's time zone."""
    return timezone.localtime(moment, country.zone).date()


def check_needs(step: Step, values: dict) -> None:
    """Refuse a step whose required inputs are missing, with the code of the first one."""
    for need in step.needs:
        if not values.get(need):
            raise DomainError(NEEDS_MESSAGES[need], code=NEEDS_CODES[need], field=need)


def check_event_time(occurred_at, *, previous=None, floor=None) -> None:
    """An event may be back-dated but never lies in the future, before the previous event of the
    same record, or before the moment the case began (LIFECYCLES.md)."""
    if timezone.is_naive(occurred_at):
        raise DomainError(
            _("Give the time of the event with its time zone."),
            code=ErrorCode.INVALID,
            field="occurred_at",
        )
    if occurred_at > timezone.now() + FUTURE_TOLERANCE:
        raise DomainError(
            _("An event cannot be recorded in the future."),
            code=ErrorCode.EVENT_IN_FUTURE,
            field="occurred_at",
        )
    if previous is not None and occurred_at < previous:
        raise DomainError(
            _("An event cannot precede the previous event of the same record."),
            code=ErrorCode.EVENT_OUT_OF_ORDER,
            field="occurred_at",
        )
    if floor is not None and occurred_at < floor:
        raise DomainError(
            _("An event cannot precede the receipt of the allegation."),
            code=ErrorCode.EVENT_OUT_OF_ORDER,
            field="occurred_at",
        )
