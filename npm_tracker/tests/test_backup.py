"""Backups: `make backup` writes an encrypted archive (nothing readable in it, files 0600 in a
0700 folder, a key that is not in it), and `make restore` into an empty database gives identical
row counts, identities that still decrypt (with the key ring kept apart) and the same evidence
and report files; a wrong key or an altered archive is refused before the database is touched.

The backup runs as cron runs it: ``make backup`` in the project's folder with an empty
environment (only PATH), so only the project's ``.env`` says which database to back up; it never
creates or switches a database, and a missing or empty one fails loudly."""

import hashlib
import io
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from cases import services
from cases.tests.factories import make_allegation
from cases.tests.files import pdf
from npm_tracker.core import backup_crypto, crypto
from npm_tracker.core.storage import EncryptedFileSystemStorage
from reports import services as report_services
from reports.models import ReportRun

ROOT = Path(__file__).resolve().parents[2]
NAME = "Бакыт Резервный"
BACKUP_KEY = backup_crypto.new_key()


def _url(db, name):
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"


def _counts(url) -> dict:
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = sorted(row[0] for row in cursor.fetchall())
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


# What a copy of the project needs to run ``make backup`` (its own .env, the same virtualenv).
PROJECT_PARTS = ("Makefile", "manage.py", "scripts", "npm_tracker", "cases", "facilities")
PROJECT_PARTS += (
    "reports",
    "fieldkit",
    "seeds",
    "requirements.txt",
    "requirements-dev.txt",
    "pyproject.toml",
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project folder, whose ``.env`` each test writes."""
    copy = tmp_path_factory.mktemp("project")
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / part)
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    return copy


def _cron_backup(project, settings: dict):
    """``make backup`` as cron runs it: from the project's folder, nothing in the environment
    but PATH; the settings are in ``.env`` only."""
    env_file = "".join(f"{name}={value}\n" for name, value in settings.items())
    (project / ".env").write_text(env_file)
    result = subprocess.run(
        ["env", "-i", "PATH=/usr/bin:/bin", "make", "--no-print-directory", "backup"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert (project / ".env").read_text() == env_file, "the backup rewrote .env"
    return result


def _databases(db) -> set:
    with psycopg2.connect(_url(db, "postgres")) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {row[0] for row in cursor.fetchall()}


def _run(script, env, *args):
    return subprocess.run(
        ["bash", f"scripts/{script}", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def _letter(allegation):
    from cases.models import ProsecutorOffice

    referral = services.referral_create(
        actor=None,
        allegation=allegation,
        prosecutor_office=ProsecutorOffice.objects.get(code="kz_po_karaganda"),
    )
    run, _created = report_services.request_run(
        actor=None,
        kind="referral_letter",
        country=allegation.country,
        referral=referral,
        language="ru",
        version="internal",
    )
    assert report_services.render(run.pk) == "done"
    return ReportRun.objects.get(pk=run.pk)


def _inner_files(backup) -> dict:
    """The files archive, opened with the backup key: what it holds, stored as on disk."""
    plain = io.BytesIO()
    with open(Path(backup, "files.tar.gz.enc"), "rb") as sealed:
        backup_crypto.decrypt_stream(
            sealed, plain, backup_crypto.parse_key(BACKUP_KEY), "files.tar.gz"
        )
    plain.seek(0)
    with tarfile.open(fileobj=plain, mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


@pytest.mark.django_db(transaction=True)
def test_a_restore_drill_into_an_empty_database(reference, settings, tmp_path, project):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = pdf("medical record")
    allegation = make_allegation(victim={"full_name": NAME})
    evidence = services.evidence_add(
        actor=None, allegation=allegation, file=ContentFile(content, name="r.pdf"), kind="document"
    )
    letter = _letter(allegation)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": _url(db, db["NAME"]),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    env.pop("BACKUP_ENCRYPTION_KEY", None)
    dotenv = {k: env[k] for k in ("DATABASE_URL", "MEDIA_ROOT", "BACKUP_DIR")}

    # Without a backup key, no backup.
    refused = _cron_backup(project, dotenv)
    assert refused.returncode != 0 and "BACKUP_ENCRYPTION_KEY" in refused.stderr
    assert not any((tmp_path / "backups").glob("*/*"))

    env["BACKUP_ENCRYPTION_KEY"] = BACKUP_KEY
    made = _cron_backup(project, {**dotenv, "BACKUP_ENCRYPTION_KEY": BACKUP_KEY})
    assert made.returncode == 0, made.stderr
    backup = made.stdout.strip().splitlines()[-1]
    assert db["NAME"] in made.stdout  # it says which database it backed up

    # Nothing readable in the backup, nothing readable by anyone else.
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o700
    files = sorted(Path(backup).iterdir())
    assert [f.name for f in files] == ["SHA256SUMS", "database.dump.enc", "files.tar.gz.enc"]
    for file in files:
        data = file.read_bytes()
        assert NAME.encode() not in data and b"%PDF" not in data, file.name
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
    # Inside the files archive, evidence and reports are still encrypted with the key ring.
    inner = _inner_files(backup)
    assert {f"./{evidence.file.name}", f"./{letter.file.name}"} <= set(inner)
    assert all(data.startswith(crypto.FILE_MAGIC) for data in inner.values())

    drill = f"{db['NAME']}_restore_drill"
    admin_url = _url(db, "postgres")
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        cursor.execute(f"CREATE DATABASE \"{drill}\" ENCODING 'UTF8' TEMPLATE template0")
    restore_env = {**env, "DATABASE_URL": _url(db, drill), "MEDIA_ROOT": str(tmp_path / "back")}
    try:
        # A wrong key is refused, and neither the database nor the files are touched.
        wrong = _run(
            "restore.sh", {**restore_env, "BACKUP_ENCRYPTION_KEY": backup_crypto.new_key()}, backup
        )
        assert wrong.returncode != 0 and "BACKUP_ENCRYPTION_KEY" in wrong.stderr
        assert _counts(_url(db, drill)) == {} and not (tmp_path / "back").exists()

        restored = _run("restore.sh", restore_env, backup)
        assert restored.returncode == 0, restored.stderr
        assert _counts(_url(db, drill)) == _counts(_url(db, db["NAME"]))
        with psycopg2.connect(_url(db, drill)) as copy, copy.cursor() as cursor:
            cursor.execute(
                "SELECT full_name FROM cases_victim WHERE allegation_id = %s", [str(allegation.pk)]
            )
            token = cursor.fetchone()[0]
        assert token.startswith("enc1:")
        assert crypto.decrypt_text(token, "cases.victim.full_name") == NAME
        storage = EncryptedFileSystemStorage(location=tmp_path / "back")
        assert storage.open(evidence.file.name).read() == content
        served = storage.open(letter.file.name).read()
        assert served.startswith(b"%PDF") and hashlib.sha256(served).hexdigest() == letter.sha256
        for path in (tmp_path / "back").rglob("*"):
            assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600)
    finally:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [drill],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_an_altered_backup_is_refused_before_the_database_is_touched(reference, tmp_path):
    db = connection.settings_dict
    drill = f"{db['NAME']}_restore_altered"
    env = {
        **os.environ,
        "DATABASE_URL": _url(db, db["NAME"]),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_ENCRYPTION_KEY": BACKUP_KEY,
    }
    made = _run("backup.sh", env)
    assert made.returncode == 0, made.stderr
    backup = Path(made.stdout.strip().splitlines()[-1])
    # Someone alters the dump and recomputes the checksums: the authentication still fails.
    dump = backup / "database.dump.enc"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))
    sums = "".join(
        f"{hashlib.sha256((backup / n).read_bytes()).hexdigest()}  {n}\n"
        for n in ("database.dump.enc", "files.tar.gz.enc")
    )
    (backup / "SHA256SUMS").write_text(sums)
    conn = psycopg2.connect(_url(db, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        cursor.execute(f"CREATE DATABASE \"{drill}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        altered = _run("restore.sh", {**env, "DATABASE_URL": _url(db, drill)}, str(backup))
        assert altered.returncode != 0 and "altered" in altered.stderr
        assert _counts(_url(db, drill)) == {}
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        conn.close()


@pytest.mark.django_db(transaction=True)
def test_a_missing_or_empty_database_fails_loudly_and_is_not_created(reference, tmp_path, project):
    db = connection.settings_dict
    missing, empty = f"{db['NAME']}_missing", f"{db['NAME']}_empty"
    settings = {
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_ENCRYPTION_KEY": BACKUP_KEY,
    }
    assert missing not in _databases(db)

    failed = _cron_backup(project, {**settings, "DATABASE_URL": _url(db, missing)})
    assert failed.returncode != 0
    assert missing in failed.stderr and "nothing was backed up" in failed.stderr
    assert missing not in _databases(db)  # not created (and .env not rewritten: _cron_backup)
    assert not any((tmp_path / "backups").glob("*/*"))

    conn = psycopg2.connect(_url(db, "postgres"))
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{empty}"')
        cursor.execute(f"CREATE DATABASE \"{empty}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        failed = _cron_backup(project, {**settings, "DATABASE_URL": _url(db, empty)})
        assert failed.returncode != 0
        assert empty in failed.stderr and "no migrated tables" in failed.stderr
        assert not any((tmp_path / "backups").glob("*/*"))
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{empty}"')
        conn.close()
