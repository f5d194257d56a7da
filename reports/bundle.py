"""The evidence bundle of a referral for the prosecutor's office (CONTRACT.md, "Evidence bundle
for the prosecutor"): a zip holding ``manifest.json``, ``manifest.json.sig`` (the raw 64-byte
Ed25519 signature of the manifest's exact bytes), the referral letter as a PDF and the evidence
files, each listed in the manifest with its SHA-256 and size.

``verify`` is the recipient's check (``manage.py verify_bundle``): every file listed is there with
its hash and size, nothing else is, and the signature holds under the published key."""

import hashlib
import io
import json
import mimetypes
import zipfile
from dataclasses import dataclass

from django.utils import timezone, translation

from cases.choices import CustodyKind
from cases.models import Evidence, Referral
from cases.services import custody_record
from npm_tracker.core import integrity, signing
from npm_tracker.core.access import record_reads
from npm_tracker.core.models import AccessChannel, SigningKey
from reports import services
from reports.choices import ReportKind, ReportVersion
from reports.models import ReportRun

MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
LETTER = "letter.pdf"


def _letter(referral: Referral) -> bytes:
    """The referral letter, rendered now in the active language (the same document the report
    service makes: the person's identity only under their consent to the prosecutor)."""
    country = referral.allegation.country
    run = ReportRun(
        kind=ReportKind.REFERRAL_LETTER,
        referral=referral,
        country=country,
        language=translation.get_language() or "en",
        version=ReportVersion.INTERNAL,
    )
    content, _timings = services.build_pdf(run)
    return content


def _evidence_name(index: int, evidence: Evidence, *, working_copy: bool = False) -> str:
    extension = mimetypes.guess_extension(evidence.content_type or "") or ".bin"
    suffix = "-working-copy" if working_copy else ""
    return f"evidence/{index:02d}-{evidence.kind}{suffix}{extension}"


def _evidence_file(index: int, evidence: Evidence) -> tuple[str, bytes]:
    """The sealed original as received (its SHA-256 is the one recorded at upload); a file of
    an earlier release whose original was not kept goes as its working copy, named so."""
    handle = evidence.open_original()
    if handle is None:
        with evidence.file.open("rb") as working:
            return _evidence_name(index, evidence, working_copy=True), working.read()
    with handle:
        return _evidence_name(index, evidence), handle.read()


def build(*, referral: Referral, actor, request=None, identity: bool) -> tuple[bytes, dict]:
    """The zip and its manifest. ``identity``: the caller may receive what names the person
    (the evidence files go with it); the letter itself discloses the identity only under
    consent. Each bundle made is logged as a read of the referral."""
    files: list[tuple[str, bytes]] = [(LETTER, _letter(referral))]
    bundled: list[Evidence] = []
    if identity:
        bundled = list(
            referral.allegation.evidence.filter(superseded_by__isnull=True).order_by("created_at")
        )
        files += [_evidence_file(index, evidence) for index, evidence in enumerate(bundled, 1)]
    key = signing.current()
    manifest = {
        "referral": str(referral.pk),
        "reference": referral.reference,
        "created_at": timezone.now().isoformat(),
        "key_id": key.key_id,
        "history_root": integrity.latest_root(referral.allegation.country),
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in files
        ],
    }
    manifest_bytes = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    _key_id, signature = signing.sign(manifest_bytes, key)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(SIGNATURE, signature)
        for name, data in files:
            archive.writestr(name, data)
    record_reads(
        actor=actor,
        channel=AccessChannel.API,
        records=[referral],
        what="bundle",
        request=request,
    )
    for evidence in bundled:
        custody_record(
            actor=actor,
            evidence=evidence,
            kind=CustodyKind.BUNDLED,
            purpose=f"{referral.reference} ({manifest['created_at']}, {key.key_id})"[:500],
        )
    return buffer.getvalue(), manifest


@dataclass
class Verdict:
    ok: bool
    problems: list[str]
    manifest: dict | None = None


def verify(content: bytes, public_keys: dict[str, str] | None = None) -> Verdict:
    """Check a bundle: the manifest's signature under its key (``public_keys`` by id, else the
    keys this server published), then every file against the manifest."""
    problems: list[str] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = set(archive.namelist())
        manifest_bytes = archive.read(MANIFEST)
        signature = archive.read(SIGNATURE)
    except (zipfile.BadZipFile, KeyError) as error:
        return Verdict(False, [f"not a bundle: {error}"])
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        return Verdict(False, [f"{MANIFEST}: not the JSON it was signed as (changed)"])
    if public_keys is None:
        public_keys = dict(SigningKey.objects.values_list("key_id", "public_key_pem"))
    public = public_keys.get(manifest.get("key_id", ""))
    if public is None:
        problems.append(f"{MANIFEST}: signed with an unknown key {manifest.get('key_id')!r}")
    elif not signing.verify(manifest_bytes, signature, public):
        problems.append(f"{MANIFEST}: the signature does not match")
    listed = set()
    for entry in manifest.get("files", []):
        name = entry.get("name", "")
        listed.add(name)
        if name not in names:
            problems.append(f"{name}: missing")
            continue
        data = archive.read(name)
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get(
            "size"
        ):
            problems.append(f"{name}: its SHA-256 or size differs from the manifest")
    for extra in sorted(names - listed - {MANIFEST, SIGNATURE}):
        problems.append(f"{extra}: not in the manifest")
    return Verdict(not problems, problems, manifest)
