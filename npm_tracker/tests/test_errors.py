"""Domain error codes are members of their domain's ``DomainCode`` enum (the core's
``ErrorCode``, an app's own such as ``CaseErrorCode``), each declared once."""

import ast
from pathlib import Path

import pytest

from cases.errors import CaseErrorCode
from npm_tracker.core.errors import (
    DomainError,
    ErrorCode,
    NotDeletable,
    is_conflict,
    known_codes,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("npm_tracker", "facilities", "cases", "reports", "fieldkit", "seeds")


def test_a_member_code_is_kept():
    error = DomainError("refused", code=ErrorCode.INVALID_TRANSITION)
    assert error.domain_code is ErrorCode.INVALID_TRANSITION
    assert error.code == "invalid_transition"


def test_a_field_error_carries_its_code():
    error = DomainError("refused", code=ErrorCode.NOTE_REQUIRED, field="note")
    assert error.domain_code is ErrorCode.NOTE_REQUIRED
    assert [e.code for e in error.error_dict["note"]] == ["note_required"]


def test_the_default_code_is_invalid():
    assert DomainError("refused").domain_code is ErrorCode.INVALID
    assert NotDeletable("Allegation").domain_code is ErrorCode.NOT_DELETABLE


@pytest.mark.parametrize("code", ["invalid_transition", "no_such_code", ""])
def test_a_bare_string_code_is_refused(code):
    with pytest.raises(TypeError):
        DomainError("refused", code=code)


def test_an_app_owns_its_codes_and_the_api_knows_them():
    error = DomainError("refused", code=CaseErrorCode.REFERRALS_NOT_FINAL)
    assert error.code == "referrals_not_final"
    assert {"referrals_not_final", "file_too_large", "invalid_transition"} <= known_codes()
    assert is_conflict(CaseErrorCode.REFERRALS_NOT_FINAL) and is_conflict("invalid_transition")
    assert not is_conflict(CaseErrorCode.FILE_TOO_LARGE) and not is_conflict(ErrorCode.INVALID)
    # Every code is declared once: no two domains publish the same value.
    values = [str(m) for enum in (ErrorCode, CaseErrorCode) for m in enum]
    assert len(values) == len(set(values))


def test_codes_keep_the_values_the_api_publishes():
    assert ErrorCode.IDEMPOTENCY_KEY_REQUIRED == "idempotency_key_required"
    assert ErrorCode.IDEMPOTENCY_CONFLICT == "idempotency_conflict"
    assert ErrorCode.INVALID_TRANSITION == "invalid_transition"


def _sources():
    for package in SOURCE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if parts & {"tests", "migrations"} or path.name.startswith("test_"):
                continue
            yield path


def _literal_code_lines(source: str) -> list[int]:
    """Lines of ``DomainError(...)`` (or a subclass named ``*DomainError``) calls whose ``code``
    is a string literal."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if not name.endswith("DomainError"):
            continue
        for keyword in node.keywords:
            if keyword.arg == "code" and isinstance(keyword.value, ast.Constant | ast.JoinedStr):
                lines.append(node.lineno)
    return lines


def test_the_source_scan_covers_the_packages():
    names = {path.name for path in _sources()}
    assert {"errors.py", "services.py", "views.py"} <= names


def test_no_domain_error_is_raised_with_a_string_literal_code():
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _sources()
        for line in _literal_code_lines(path.read_text(encoding="utf-8"))
    ]
    assert found == [], f"DomainError with a bare string code (use ErrorCode): {found}"


def test_the_scan_catches_a_literal_code():
    source = (
        'raise DomainError(_("No."), code="invalid_transition")\n'
        'raise errors.DomainError(_("No."), code=f"{kind}_required")\n'
        'raise DomainError(_("No."), code=ErrorCode.INVALID)\n'
    )
    assert _literal_code_lines(source) == [1, 2]
