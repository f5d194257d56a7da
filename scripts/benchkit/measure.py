"""Timing loops, statistics, the floor's connection and the rows of the table."""

import json
import statistics
import threading
import time
import uuid

from .config import DATABASE_URL, LOAD_SECONDS, LOAD_THREADS, REPEAT, log


def timed(fn, repeat: int = REPEAT, warm_up: bool = True) -> list[float]:
    if warm_up:
        fn()  # connections, caches, imports
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median(samples) -> float:
    return statistics.median(samples)


def p95(samples) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Floor:
    """One hand-written SQL query through psycopg2, rows serialised with json.dumps."""

    def __init__(self):
        import psycopg2

        # The session settings of the application's connections (settings.DATABASES).
        self.conn = psycopg2.connect(DATABASE_URL, options="-c jit=off")
        self.conn.autocommit = True

    def run(self, sql: str, params=()) -> str:
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)
            names = [c.name for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return json.dumps(rows, default=str)

    def scalar(self, sql: str, params=()):
        with self.conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]


ROWS: list[dict] = []


def record(figure: str, ours, floor=None, *, unit="ms", p95_ours=None, queries=None, note=""):
    ROWS.append(
        {
            "figure": figure,
            "ours": ours,
            "p95": p95_ours,
            "floor": floor,
            "ratio": (ours / floor) if (floor and ours is not None) else None,
            "queries": queries,
            "unit": unit,
            "note": note,
        }
    )
    ratio = f"{ours / floor:.1f}x" if floor else ""
    log(f"{figure}: {ours:.1f} {unit} (floor {floor or 0:.1f}) {ratio} {note}")


def load(url_fn, method: str, body_fn=None, headers=None) -> float:
    """Requests per second over LOAD_SECONDS with LOAD_THREADS threads, each with its own
    keep-alive connection; only 2xx answers count."""
    import requests

    stop = time.monotonic() + LOAD_SECONDS
    done = [0] * LOAD_THREADS
    errors = [0] * LOAD_THREADS

    def worker(i):
        session = requests.Session()
        session.headers.update(headers or {})
        while time.monotonic() < stop:
            if method == "GET":
                response = session.get(url_fn())
            else:
                response = session.post(
                    url_fn(), json=body_fn(), headers={"Idempotency-Key": str(uuid.uuid4())}
                )
            if 200 <= response.status_code < 300:
                done[i] += 1
            else:
                errors[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(LOAD_THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if sum(errors):
        log(f"{sum(errors)} requests failed")
    return sum(done) / elapsed
