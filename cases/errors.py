"""The cases app's error codes (``npm_tracker.core.errors`` says how codes are owned)."""

from npm_tracker.core.errors import DomainCode, conflicts


class CaseErrorCode(DomainCode):
    REFERRALS_NOT_FINAL = "referrals_not_final"
    FILE_TYPE_NOT_ACCEPTED = "file_type_not_accepted"
    FILE_TOO_LARGE = "file_too_large"
    INVALID_FILE = "invalid_file"
    MACRO_DOCUMENT = "macro_document"
    ARCHIVE_TOO_LARGE = "archive_too_large"


conflicts(CaseErrorCode.REFERRALS_NOT_FINAL)
