"""The signed evidence bundle of a referral (CONTRACT.md, "Evidence bundle for the prosecutor"):
it verifies with openssl against the published key; one byte changed in any file makes
``verify_bundle`` fail and name the file; the prosecutor's office gets the bundles of its own
referrals only, with what names the person only under consent; keys rotate and old bundles
still verify."""

import io
import json
import shutil
import subprocess
import uuid
import zipfile
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from cases import services
from cases.tests import files
from cases.tests.factories import grant_prosecutor_consent, make_allegation, make_referral
from npm_tracker.core import integrity, signing
from npm_tracker.core.models import AccessLog, SigningKey
from npm_tracker.tests.api_helpers import api_as, assert_problem

pytestmark = pytest.mark.django_db
OFFICE = "kz_po_karaganda"
VICTIM = "Ахметов Ерлан"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def referral(reference):
    allegation = make_allegation(victim={"full_name": VICTIM, "date_of_birth": date(1990, 5, 1)})
    for kind, content, name in (
        ("photo", files.photo(), "back.jpg"),
        ("document", files.pdf("statement"), "statement.pdf"),
    ):
        services.evidence_add(
            actor=None, allegation=allegation, file=ContentFile(content, name=name), kind=kind
        )
    return make_referral(allegation, office_code=OFFICE)


def _bundle(client, referral) -> bytes:
    answer = client.get(f"/api/v1/referrals/{referral.pk}/bundle/")
    assert answer.status_code == 200, answer.content[:300]
    assert answer["Content-Type"] == "application/zip"
    return answer.content


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _rezip(content: bytes, change) -> bytes:
    """The bundle with ``change(name, data)`` applied to each member."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def _verify(path, *args):
    try:
        call_command("verify_bundle", str(path), *args)
    except SystemExit as stop:
        return stop.code
    return 0


def test_a_bundle_verifies_with_openssl_against_the_published_key(referral, tmp_path):
    client = api_as("KZ", "read confidential")
    integrity.seal()
    content = _bundle(client, referral)
    archive = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(archive.read("manifest.json"))
    # The country's tamper-evident history as it stood: its latest root.
    root = integrity.latest_root(referral.allegation.country)
    assert root and manifest["history_root"] == root
    assert manifest["referral"] == str(referral.pk) and manifest["reference"] == referral.reference
    assert {"created_at", "key_id", "history_root", "files"} <= set(manifest)
    names = [f["name"] for f in manifest["files"]]
    assert names[0] == "letter.pdf" and len(names) == 3, names
    assert archive.read("letter.pdf").startswith(b"%PDF")
    assert len(archive.read("manifest.json.sig")) == 64
    [key] = client.get("/api/v1/signing-keys/").json()
    assert key["key_id"] == manifest["key_id"] and key["algorithm"] == "ed25519"
    assert key["valid_to"] is None
    for name in ("manifest.json", "manifest.json.sig"):
        (tmp_path / name).write_bytes(archive.read(name))
    (tmp_path / "key.pem").write_text(key["public_key_pem"])
    openssl = shutil.which("openssl")
    assert openssl, "openssl is installed by scripts/bootstrap.sh"
    command = [
        openssl,
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        str(tmp_path / "key.pem"),
        "-rawin",
        "-in",
        str(tmp_path / "manifest.json"),
        "-sigfile",
        str(tmp_path / "manifest.json.sig"),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout, done
    # The manifest changed by one byte: openssl refuses it too.
    (tmp_path / "manifest.json").write_bytes(archive.read("manifest.json").replace(b"{", b"[", 1))
    assert subprocess.run(command, capture_output=True).returncode != 0
    # The read is on record, as any read of the person's data.
    assert AccessLog.objects.filter(what="bundle", object_id=referral.pk).count() == 1


def test_one_byte_changed_in_any_file_fails_verify_bundle_naming_the_file(
    referral, tmp_path, capsys
):
    content = _bundle(api_as("KZ", "read confidential"), referral)
    good = tmp_path / "bundle.zip"
    good.write_bytes(content)
    assert _verify(good) == 0
    assert "files match the manifest" in capsys.readouterr().out
    key = tmp_path / "key.pem"
    key.write_text(SigningKey.objects.get().public_key_pem)
    assert _verify(good, "--key", str(key)) == 0
    for member in zipfile.ZipFile(io.BytesIO(content)).namelist():
        if member.endswith(".sig"):
            continue

        def flip(name, data, member=member):
            if name != member:
                return data
            return data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]

        bad = tmp_path / "bad.zip"
        bad.write_bytes(_rezip(content, flip))
        assert _verify(bad) == 1, member
        assert member in capsys.readouterr().err, member
    # A file added that the manifest does not list, one taken away.
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if not name.startswith("evidence/01"):
                target.writestr(name, source.read(name))
        target.writestr("evidence/99-extra.jpg", b"x")
    bad.write_bytes(out.getvalue())
    assert _verify(bad) == 1
    err = capsys.readouterr().err
    assert "evidence/01-photo.jpg: missing" in err and "evidence/99-extra.jpg" in err


def test_the_prosecutors_office_gets_its_own_referrals_and_the_person_only_under_consent(
    referral,
):
    office = api_as(scopes="prosecutor", office=OFFICE)
    other_office = api_as(scopes="prosecutor", office="kz_po_almaty")
    assert_problem(other_office.get(f"/api/v1/referrals/{referral.pk}/bundle/"), 404)
    assert_problem(office.get(f"/api/v1/referrals/{uuid.uuid4()}/bundle/"), 404)
    assert_problem(api_as("KZ", "read").get(f"/api/v1/referrals/{referral.pk}/bundle/"), 403)
    assert_problem(
        api_as("KG", "confidential").get(f"/api/v1/referrals/{referral.pk}/bundle/"), 404
    )

    without = zipfile.ZipFile(io.BytesIO(_bundle(office, referral)))
    assert [n for n in without.namelist() if n.startswith("evidence/")] == []
    assert VICTIM not in _text(without.read("letter.pdf"))
    grant_prosecutor_consent(referral)
    granted = zipfile.ZipFile(io.BytesIO(_bundle(office, referral)))
    assert VICTIM in _text(granted.read("letter.pdf"))
    assert sorted(n for n in granted.namelist() if n.startswith("evidence/")) == [
        "evidence/01-photo.jpg",
        "evidence/02-document.pdf",
    ]


def test_a_rotated_key_signs_from_then_on_and_old_bundles_still_verify(referral, tmp_path):
    client = api_as("KZ", "read confidential")
    old = tmp_path / "old.zip"
    old.write_bytes(_bundle(client, referral))
    first = SigningKey.objects.get()
    call_command("rotate_signing_key", stdout=io.StringIO())
    keys = client.get("/api/v1/signing-keys/").json()
    assert len(keys) == 2 and keys[1]["key_id"] == first.key_id and keys[1]["valid_to"]
    assert keys[0]["valid_to"] is None
    new = zipfile.ZipFile(io.BytesIO(_bundle(client, referral)))
    assert json.loads(new.read("manifest.json"))["key_id"] == keys[0]["key_id"]
    assert _verify(old) == 0
    # The private key is stored encrypted, never in clear.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_pem FROM npm_tracker_signingkey")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("PRIVATE KEY" in value for value in stored)
    assert signing.key_id_of(first.public_key_pem) == first.key_id


def test_the_referral_page_offers_the_bundle_to_those_who_see_the_person(referral, client):
    from django.urls import reverse

    from conftest import make_staff

    page = reverse("admin:cases_referral_change", args=[referral.pk])
    link = reverse("referral-bundle", args=[referral.pk])
    client.force_login(make_staff("head", "KZ", roles=("npm_head",), direct_permissions=False))
    assert link in client.get(page).content.decode()
    download = client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    client.force_login(make_staff("audit", "KZ", roles=("auditor",), direct_permissions=False))
    shown = client.get(page)
    assert shown.status_code == 200 and link not in shown.content.decode()
    assert client.get(link).status_code == 403
