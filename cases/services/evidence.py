"""Evidence files: stored encrypted with their fingerprint, never replaced."""

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from cases.models import (
    Allegation,
    Evidence,
)
from cases.uploads import check_upload
from npm_tracker.core.services import (
    Actor,
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
        # The file as stored and served: another file when its metadata was removed.
        evidence.served_sha256 = hashlib.sha256(checked.content).hexdigest()
        evidence.served_size = len(checked.content)
        evidence.filename = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
        evidence.content_type = checked.content_type
        evidence.metadata_removed = checked.metadata_removed
        evidence.file = ContentFile(checked.content, name="evidence")  # named by evidence_path
        evidence.uploaded_by = staff_user(actor)
    return validated_save(evidence)
