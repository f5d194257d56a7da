"""Domain errors with machine-readable codes.

The API maps them to problem+json (the code travels as ``code``); the admin shows the message.
Each domain owns its codes: the core's generic ones are ``ErrorCode``; an app declares its own
as a ``DomainCode`` subclass in its ``errors`` module (``cases.errors.CaseErrorCode``) and names
those that answer 409 with ``conflicts(...)``. The codes are the API's contract: a value never
changes once published.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class DomainCode(StrEnum):
    """The base of every domain's error codes (it has no members of its own)."""


_CONFLICTS: set[str] = set()


def conflicts(*codes: DomainCode) -> None:
    """These codes say the request clashes with the record's state: the API answers 409."""
    _CONFLICTS.update(str(code) for code in codes)


def is_conflict(code: str) -> bool:
    return str(code) in _CONFLICTS


def known_codes() -> set[str]:
    """Every code any domain declared (the API passes these through; others become
    ``invalid``)."""
    known: set[str] = set()
    pending = list(DomainCode.__subclasses__())
    while pending:
        enum = pending.pop()
        known.update(str(member) for member in enum)
        pending.extend(enum.__subclasses__())
    return known


class ErrorCode(DomainCode):
    """The core's codes: validation, the workflow engine, locking, scoping, idempotency."""

    INVALID = "invalid"
    INVALID_FILTER = "invalid_filter"
    INVALID_TRANSITION = "invalid_transition"
    EXTERNAL_NUMBER_REQUIRED = "external_number_required"
    EVENT_IN_FUTURE = "event_in_future"
    EVENT_OUT_OF_ORDER = "event_out_of_order"
    NOTE_REQUIRED = "note_required"
    REASON_REQUIRED = "reason_required"
    ARTICLE_REQUIRED = "article_required"
    SENTENCE_REQUIRED = "sentence_required"
    ADDRESSEE_REQUIRED = "addressee_required"
    NEW_TERM_REQUIRED = "new_term_required"
    CONCURRENT_UPDATE = "concurrent_update"
    OUT_OF_SCOPE = "out_of_scope"
    WRONG_JURISDICTION = "wrong_jurisdiction"
    NOT_DELETABLE = "not_deletable"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"
    WEBHOOK_URL_REFUSED = "webhook_url_refused"


class DomainError(ValidationError):
    """A refused domain operation. A ``ValidationError`` so forms and full_clean show it.

    ``code`` is a member of a domain's ``DomainCode`` enum, never a bare string: the codes are
    the API's contract, so each one is declared once, by the domain that owns it."""

    def __init__(
        self,
        message,
        *,
        code: DomainCode = ErrorCode.INVALID,
        params: dict | None = None,
        field: str | None = None,
    ):
        if not isinstance(code, DomainCode):
            raise TypeError(f"DomainError code must be a DomainCode member, not {code!r}.")
        self.domain_code = code
        if field:
            super().__init__({field: [ValidationError(message, code=str(code), params=params)]})
        else:
            super().__init__(message, code=str(code), params=params)


class NotDeletable(DomainError):
    """Raised when something tries to hard-delete a record that is evidence."""

    def __init__(self, model_name):
        super().__init__(
            _("%(model)s records are evidence and are never deleted."),
            code=ErrorCode.NOT_DELETABLE,
            params={"model": model_name},
        )


conflicts(ErrorCode.INVALID_TRANSITION, ErrorCode.CONCURRENT_UPDATE, ErrorCode.IDEMPOTENCY_CONFLICT)
