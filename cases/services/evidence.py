"""Evidence files: stored encrypted with their fingerprint, never replaced; the original as
received sealed apart from the working copy when they differ; every handover in the chain of
custody."""

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases import choices
from cases.models import (
    Allegation,
    CustodyEvent,
    Evidence,
)
from cases.uploads import check_upload
from npm_tracker.core.services import (
    Actor,
    actor_fields,
    lock,
    staff_user,
    validated_save,
)


def _fingerprint(file) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    file.seek(0)
    return digest.hexdigest(), size


@transaction.atomic
def evidence_add(
    *,
    actor: Actor,
    allegation: Allegation,
    file,
    kind: str,
    description: str = "",
    supersedes: Evidence | None = None,
) -> Evidence:
    """Store a new evidence file with its SHA-256 and size. Files are never replaced: a
    correction is a new record that supersedes the old one."""
    return evidence_save(
        actor=actor,
        evidence=Evidence(
            allegation=allegation,
            file=file,
            kind=kind,
            description=description,
            supersedes=supersedes,
        ),
    )


@transaction.atomic
def evidence_save(*, actor: Actor, evidence: Evidence) -> Evidence:
    """Save a prepared evidence record: on creation, fingerprint the file before storing it."""
    lock(evidence)
    if evidence._state.adding:
        upload = evidence.file.file if hasattr(evidence.file, "file") else evidence.file
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            raise ValidationError({"file": error.error_list}) from error
        evidence.sha256, evidence.size = _fingerprint(upload)  # the file as received
        if checked.metadata_removed:
            # The original, byte for byte with its metadata, sealed apart (encrypted like the
            # working copy; opened only by identity roles, with a purpose, and for bundles).
            upload.seek(0)
            evidence.original = ContentFile(upload.read(), name="original")
        # The file as stored and served: another file when its metadata was removed.
        evidence.served_sha256 = hashlib.sha256(checked.content).hexdigest()
        evidence.served_size = len(checked.content)
        evidence.filename = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
        evidence.content_type = checked.content_type
        evidence.metadata_removed = checked.metadata_removed
        evidence.file = ContentFile(checked.content, name="evidence")  # named by evidence_path
        evidence.uploaded_by = staff_user(actor)
        saved = validated_save(evidence)
        custody_record(
            actor=actor,
            evidence=saved,
            kind=choices.CustodyKind.UPLOADED,
        )
        return saved
    return validated_save(evidence)


def custody_record(
    *,
    actor: Actor,
    evidence: Evidence,
    kind: str,
    purpose: str = "",
    handed_to: str = "",
    document_number: str = "",
    occurred_at=None,
) -> CustodyEvent:
    """Append one handover to the evidence's chain of custody."""
    event = CustodyEvent(
        evidence=evidence,
        kind=kind,
        purpose=purpose,
        handed_to=handed_to,
        document_number=document_number,
        **actor_fields(actor),
    )
    if occurred_at is not None:
        event.occurred_at = occurred_at
    if kind == choices.CustodyKind.TRANSFERRED and not handed_to.strip():
        raise ValidationError({"handed_to": _("Say who received the item.")})
    if kind in (choices.CustodyKind.VIEWED_ORIGINAL, choices.CustodyKind.TRANSFERRED) and (
        not purpose.strip()
    ):
        raise ValidationError({"purpose": _("Say why.")})
    return validated_save(event)
