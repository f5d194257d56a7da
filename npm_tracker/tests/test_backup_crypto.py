"""The backup file format: streamed in chunks, and any truncation, reordering, extension or
wrong key is refused; the backup key can never be a key of the field key ring."""

import io

import pytest

from npm_tracker.core import backup_crypto, crypto
from npm_tracker.core.backup_crypto import BackupDamaged, BackupError, WrongBackupKey
from npm_tracker.management.backups import make_backup

KEY = backup_crypto.parse_key(backup_crypto.new_key())
DATA = bytes(range(256)) * 50  # 12 800 bytes: several chunks of 1 000


def _seal(monkeypatch, data=DATA, label="database.dump") -> bytes:
    monkeypatch.setattr(backup_crypto, "CHUNK_BYTES", 1000)
    out = io.BytesIO()
    backup_crypto.encrypt_stream(io.BytesIO(data), out, KEY, label)
    return out.getvalue()


def _open(sealed: bytes, key=KEY, label="database.dump") -> bytes:
    out = io.BytesIO()
    backup_crypto.decrypt_stream(io.BytesIO(sealed), out, key, label)
    return out.getvalue()


def test_a_stream_round_trips_in_chunks(monkeypatch):
    sealed = _seal(monkeypatch)
    assert _open(sealed) == DATA and DATA[:64] not in sealed
    assert _open(_seal(monkeypatch, b"")) == b""


def test_a_wrong_key_or_another_file_s_label_is_refused(monkeypatch):
    sealed = _seal(monkeypatch)
    with pytest.raises(WrongBackupKey, match="BACKUP_ENCRYPTION_KEY"):
        _open(sealed, key=backup_crypto.parse_key(backup_crypto.new_key()))
    with pytest.raises(WrongBackupKey):
        _open(sealed, label="files.tar.gz")


def test_truncated_extended_or_reordered_files_are_refused(monkeypatch):
    sealed = _seal(monkeypatch)
    header, body = sealed[: backup_crypto.HEADER_BYTES], sealed[backup_crypto.HEADER_BYTES :]
    chunk = 4 + 1000 + backup_crypto.TAG_BYTES
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    for damaged in (
        header + b"".join(chunks[:-1]),  # the last chunk cut off
        sealed + b"x",
        header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        sealed[:-1] + bytes([sealed[-1] ^ 1]),
    ):
        with pytest.raises(BackupDamaged):
            _open(damaged)


def test_malformed_keys_are_refused_with_the_variable_named():
    for text in (None, "", "short", "!" * 43):
        with pytest.raises(BackupError, match="BACKUP_ENCRYPTION_KEY"):
            backup_crypto.parse_key(text)


def test_the_backup_key_cannot_be_a_field_key(settings, tmp_path):
    field_key = crypto.keyring().keys[crypto.keyring().current]
    with pytest.raises(BackupError, match="FIELD_ENCRYPTION_KEYS"):
        make_backup(root=tmp_path / "b", media=tmp_path, key=field_key, database={})
    assert not (tmp_path / "b").exists()
