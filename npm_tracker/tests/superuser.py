"""Changing a row as an attacker with database superuser rights would: ``session_replication_role
= replica`` turns every ordinary trigger off for the session, the append-only guards included,
so only the hash chain can tell. Runs ``psql`` as the cluster's ``postgres`` user (root, or
sudo), as ``scripts/bootstrap.sh`` does; the test database must be committed to be seen
(``transaction=True`` tests)."""

import os
import subprocess

from django.db import connection


def as_superuser(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        statement = cursor.mogrify(sql, params).decode()
    runner = (
        ["runuser", "-u", "postgres", "--"]
        if os.geteuid() == 0
        else ["sudo", "-n", "-u", "postgres"]
    )
    settings = connection.settings_dict
    script = f"SET session_replication_role = replica;\n{statement};\n"
    done = subprocess.run(
        [
            *runner,
            "psql",
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-qAt",
            "-p",
            str(settings["PORT"] or 5432),
            "-d",
            settings["NAME"],
        ],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
