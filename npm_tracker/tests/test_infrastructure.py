"""The real services the system runs on: PostgreSQL, Redis, a Celery worker; the settings'
production guard."""

import subprocess
import sys

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from npm_tracker.celery import app


def test_database_is_postgresql_with_the_extensions_we_need(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        assert "btree_gist" in {row[0] for row in cursor.fetchall()}
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"


def test_cache_is_the_real_redis():
    cache.set("npm-tracker-test", "Қарағанды", 30)
    assert cache.get("npm-tracker-test") == "Қарағанды"
    from django.core.cache import caches

    assert caches["default"].__class__.__name__ == "RedisCache"


@app.task(name="npm_tracker.tests.touch")
def touch(key: str) -> None:
    """Leave a mark in Redis, so the test sees that a worker ran the task."""
    import redis

    redis.Redis.from_url(settings.REDIS_URL).set(key, "done", ex=60)


def test_a_real_celery_worker_runs_tasks_from_redis():
    import time
    import uuid

    import redis

    marks = redis.Redis.from_url(settings.REDIS_URL)
    key = f"npm-tracker-test:{uuid.uuid4()}"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        touch.delay(key)  # through the Redis broker to the worker thread
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and marks.get(key) is None:
            time.sleep(0.1)
    assert marks.get(key) == b"done"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ENV": "production"}, "DJANGO_SECRET_KEY"),
        (
            {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_DEBUG": "true"},
            "DJANGO_DEBUG",
        ),
    ],
)
def test_production_refuses_unsafe_settings(env, message, tmp_path):
    import os

    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "npm_tracker.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr
