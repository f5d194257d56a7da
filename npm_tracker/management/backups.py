"""``manage.py backup`` and ``manage.py restore``: the database (pg_dump, custom format) and the
stored files (evidence, reports), each encrypted with the backup key (``core.backup_crypto``),
with their checksums, in a folder only the service account can read.

A restore checks the checksums, then decrypts and authenticates both files completely before it
touches the database or the files; a wrong key or an altered backup changes nothing."""

import hashlib
import hmac
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.db import DatabaseError
from django.utils.translation import gettext as _

from npm_tracker.core import backup_crypto, crypto
from npm_tracker.core.backup_crypto import BackupDamaged, BackupError
from npm_tracker.core.storage import DIRECTORY_MODE, FILE_MODE

DATABASE = "database.dump"
FILES = "files.tar.gz"
SEALED = (f"{DATABASE}.enc", f"{FILES}.enc")
SUMS = "SHA256SUMS"


def _private_file(path: Path):
    return open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE), "wb")


def _private_folder(path: Path, exist_ok: bool = True) -> None:
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=exist_ok)
    os.chmod(path, DIRECTORY_MODE)


def _postgres(program: str, database: dict) -> tuple[list[str], dict]:
    args = [program]
    for option, value in (
        ("--host", database.get("HOST")),
        ("--port", database.get("PORT")),
        ("--username", database.get("USER")),
    ):
        if value:
            args += [option, str(value)]
    env = dict(os.environ)
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return [*args, f"--dbname={database['NAME']}"], env


def _refuse_field_key(key: bytes) -> None:
    if any(hmac.compare_digest(key, field_key) for field_key in crypto.keyring().keys.values()):
        raise BackupError(
            _(
                "BACKUP_ENCRYPTION_KEY must not be a key of FIELD_ENCRYPTION_KEYS: opening a "
                "backup must need a second key, kept apart."
            )
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(backup_crypto.CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def describe(database: dict) -> str:
    """``name on host:port``, as an operator recognises the database."""
    where = ":".join(str(database[k]) for k in ("HOST", "PORT") if database.get(k)) or "local"
    return f"{database['NAME']} on {where}"


def check_database(connection) -> None:
    """Refuse to back up a database that cannot be opened or has no migrated tables: under cron a
    wrong ``DATABASE_URL`` would otherwise give a backup that restores nothing. Creates nothing."""
    name = describe(connection.settings_dict)
    try:
        tables = connection.introspection.table_names()
        applied = 0
        if "django_migrations" in tables:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM django_migrations")
                applied = cursor.fetchone()[0]
    except DatabaseError as error:
        raise BackupError(
            _(
                "The database %(name)s cannot be opened (%(error)s): nothing was backed up. Check "
                "DATABASE_URL in .env."
            )
            % {"name": name, "error": str(error).strip()}
        ) from error
    if not applied:
        raise BackupError(
            _(
                "The database %(name)s has no migrated tables: nothing was backed up. Check "
                "DATABASE_URL in .env."
            )
            % {"name": name}
        )


def make_backup(*, root: Path, media: Path, key: bytes, database: dict) -> Path:
    """Write ``root/<UTC time>/`` (0700) with ``database.dump.enc``, ``files.tar.gz.enc`` and
    ``SHA256SUMS`` (0600). A failure leaves no partial backup."""
    _refuse_field_key(key)
    _private_folder(root)
    target = root / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    _private_folder(target, exist_ok=False)
    try:
        args, env = _postgres("pg_dump", database)
        with tempfile.TemporaryFile() as errors, _private_file(target / SEALED[0]) as out:
            dump = subprocess.Popen(
                [*args, "--format=custom", "--no-owner"],
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
            )
            assert dump.stdout is not None
            backup_crypto.encrypt_stream(dump.stdout, out, key, DATABASE)
            if dump.wait():
                errors.seek(0)
                raise BackupError(
                    _("pg_dump failed: %(error)s") % {"error": errors.read().decode().strip()}
                )
        with _private_file(target / SEALED[1]) as out:
            writer = backup_crypto.EncryptingWriter(out, key, FILES)
            with tarfile.open(fileobj=writer, mode="w|gz") as archive:
                if media.is_dir():
                    archive.add(media, arcname=".")
            writer.close()
        with _private_file(target / SUMS) as out:
            out.write("".join(f"{_sha256(target / n)}  {n}\n" for n in SEALED).encode())
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _check_sums(source: Path) -> None:
    missing = [n for n in (*SEALED, SUMS) if not (source / n).is_file()]
    if missing:
        raise BackupError(
            _("%(dir)s is not an encrypted backup: %(files)s missing. Nothing was restored.")
            % {"dir": source, "files": ", ".join(missing)}
        )
    listed = {}
    for line in (source / SUMS).read_text().splitlines():
        digest, _sep, name = line.partition("  ")
        listed[name.strip()] = digest.strip()
    for name in SEALED:
        if listed.get(name) != _sha256(source / name):
            raise BackupDamaged(
                _("The checksum of %(name)s does not match: the backup is damaged or altered.")
                % {"name": name}
            )


def restore_backup(*, source: Path, media: Path, key: bytes, database: dict) -> None:
    """Replace the database and the stored files with the backup's, after checking it whole."""
    _check_sums(source)
    with tempfile.TemporaryDirectory(prefix="npm-restore-") as work:
        plain = {}
        for name, label in zip(SEALED, (DATABASE, FILES), strict=True):
            plain[label] = Path(work, label)
            with open(source / name, "rb") as sealed, _private_file(plain[label]) as out:
                backup_crypto.decrypt_stream(sealed, out, key, label)
        args, env = _postgres("pg_restore", database)
        options = ["--clean", "--if-exists", "--no-owner", "--single-transaction"]
        restored = subprocess.run(
            [*args, *options, str(plain[DATABASE])],
            capture_output=True,
            text=True,
            env=env,
        )
        if restored.returncode:
            raise BackupError(
                _("pg_restore failed, the database is unchanged: %(error)s")
                % {"error": restored.stderr.strip()}
            )
        _private_folder(media)
        with tarfile.open(plain[FILES], mode="r:gz") as archive:
            members = archive.getmembers()
            archive.extractall(media, members=members, filter="data")
        for member in members:
            path = media / member.name
            if member.isdir():
                os.chmod(path, DIRECTORY_MODE)
            elif member.isfile():
                os.chmod(path, FILE_MODE)
