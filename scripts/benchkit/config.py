"""The run's settings from the environment, and the environment of the stack it starts.

Imported first by every module of the bench: it puts the project root on ``sys.path`` and sets
the stack's environment before Django is imported.
"""

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

SCALE = float(os.environ.get("BENCH_SCALE", "10"))
PORT = int(os.environ.get("BENCH_PORT", "8300"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "15"))
LOAD_THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "8"))
BASE = f"http://127.0.0.1:{PORT}"


def _default_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        env_file = ROOT / ".env"
        for line in env_file.read_text().splitlines() if env_file.exists() else ():
            if line.startswith("DATABASE_URL="):
                url = line.split("=", 1)[1].strip()
    url = url or "postgres://npm_tracker:npm_tracker@127.0.0.1:5432/npm_tracker"
    return url.rsplit("/", 1)[0] + "/npm_bench"


DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or _default_database_url()
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1")
STACK_ENV = {
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "CELERY_BROKER_URL": REDIS_URL,
    "CACHE_URL": REDIS_URL,
    "DJANGO_DEBUG": "false",
    "DJANGO_ENV": "development",
    "REQUIRE_TWO_FACTOR": "false",
    "API_RATE_PER_MINUTE": "10000000",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(STACK_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "npm_tracker.settings")


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC):%H:%M:%S}] {message}", flush=True)
