"""Backups: `make backup` then `make restore` into an empty database gives identical row counts,
identities that still decrypt (with the key ring kept apart) and the same evidence files."""

import os
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.db import connection

from cases import services
from cases.tests.factories import make_allegation
from cases.tests.files import pdf
from npm_tracker.core import crypto
from npm_tracker.core.storage import EncryptedFileSystemStorage

ROOT = Path(__file__).resolve().parents[2]
NAME = "Бакыт Резервный"


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


@pytest.mark.django_db(transaction=True)
def test_a_restore_drill_into_an_empty_database(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    content = pdf("medical record")
    allegation = make_allegation(victim={"full_name": NAME})
    evidence = services.evidence_add(
        actor=None, allegation=allegation, file=ContentFile(content, name="r.pdf"), kind="document"
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": _url(db, db["NAME"]),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    made = subprocess.run(
        ["bash", "scripts/backup.sh"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    backup = made.stdout.strip().splitlines()[-1]
    assert NAME.encode() not in Path(backup, "database.dump").read_bytes()

    drill = f"{db['NAME']}_restore_drill"
    admin_url = _url(db, "postgres")
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        cursor.execute(f"CREATE DATABASE \"{drill}\" ENCODING 'UTF8' TEMPLATE template0")
    try:
        restored = subprocess.run(
            ["bash", "scripts/restore.sh", backup],
            cwd=ROOT,
            env={**env, "DATABASE_URL": _url(db, drill), "MEDIA_ROOT": str(tmp_path / "back")},
            capture_output=True,
            text=True,
        )
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
    finally:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [drill],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{drill}"')
        conn.close()
