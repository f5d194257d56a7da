"""The field kit's error codes (``npm_tracker.core.errors`` says how codes are owned)."""

from npm_tracker.core.errors import DomainCode, conflicts


class FieldErrorCode(DomainCode):
    EDIT_CONFLICT = "edit_conflict"
    DEVICE_REVOKED = "device_revoked"
    UNKNOWN_REFERENCE = "unknown_reference"


conflicts(FieldErrorCode.EDIT_CONFLICT)
