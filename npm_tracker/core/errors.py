"""Domain errors with machine-readable codes.

The API maps them to problem+json (the code travels as ``code``); the admin shows the message.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    INVALID = "invalid"
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
    REFERRALS_NOT_FINAL = "referrals_not_final"
    CONCURRENT_UPDATE = "concurrent_update"
    OUT_OF_SCOPE = "out_of_scope"
    WRONG_JURISDICTION = "wrong_jurisdiction"
    NOT_DELETABLE = "not_deletable"
    FILE_TYPE_NOT_ACCEPTED = "file_type_not_accepted"
    FILE_TOO_LARGE = "file_too_large"
    INVALID_FILE = "invalid_file"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_CONFLICT = "idempotency_conflict"


class DomainError(ValidationError):
    """A refused domain operation. A ``ValidationError`` so forms and full_clean show it.

    ``code`` is an ``ErrorCode`` member, never a bare string: the codes are the API's contract,
    so each one is declared once, here."""

    def __init__(
        self,
        message,
        *,
        code: ErrorCode = ErrorCode.INVALID,
        params: dict | None = None,
        field: str | None = None,
    ):
        if not isinstance(code, ErrorCode):
            raise TypeError(f"DomainError code must be an ErrorCode member, not {code!r}.")
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
