"""The bench database and the stack: gunicorn, the Celery worker, and what they use."""

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlparse

from .config import BASE, DATABASE_URL, PORT, ROOT, SCALE, log

# --- database -----------------------------------------------------------------------------------


def ensure_database() -> None:
    import psycopg2

    parts = urlparse(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            log(f"creating database {name}")
            cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    admin.close()
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    subprocess.run([*manage, "seed", "-v", "0"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def ensure_scale_data() -> float:
    """Load the scale data unless the database already holds it; returns the load time (s) or 0."""
    import django

    django.setup()
    from seeds.scale import loaded_scale

    loaded = loaded_scale()
    if loaded == SCALE:
        log(f"reusing the scale-{SCALE:g} data already loaded")
        return 0.0
    if loaded is not None:
        raise SystemExit(
            f"{DATABASE_URL} holds scale {loaded:g}, not {SCALE:g}: drop it or set BENCH_SCALE."
        )
    log(f"loading scale {SCALE:g} (seed --scale)")
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "seed", "--scale", str(SCALE)], cwd=ROOT, check=True
    )
    return time.monotonic() - started


# --- the stack ----------------------------------------------------------------------------------


@contextmanager
def stack():
    """gunicorn (2 workers) and a Celery worker on the bench database and Redis database."""
    (ROOT / "var").mkdir(exist_ok=True)
    procs = []
    logs = []
    try:
        web_log = open(ROOT / "var" / "bench-gunicorn.log", "w")  # noqa: SIM115
        logs.append(web_log)
        procs.append(
            subprocess.Popen(
                [
                    str(ROOT / ".venv" / "bin" / "gunicorn"),
                    "npm_tracker.wsgi:application",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{PORT}",
                    "--timeout",
                    "120",
                ],
                cwd=ROOT,
                stdout=web_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        worker_log = open(ROOT / "var" / "bench-celery.log", "w")  # noqa: SIM115
        logs.append(worker_log)
        worker = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "celery"),
                "-A",
                "npm_tracker",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--hostname",
                f"bench-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(worker)
        _wait_for(f"{BASE}/healthz")
        yield worker
    finally:
        for proc in procs:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        for handle in logs:
            handle.close()


def _wait_for(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer; see var/bench-gunicorn.log")


def worker_peak_kib(worker) -> int:
    """Peak resident memory (VmHWM) of the Celery worker's processes, in KiB."""
    peak = 0
    pids = [worker.pid]
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peak = max(peak, int(match.group(1)))
    return peak
