"""``make bench``: the system at ten times a national workload, measured against a floor.

Starts the real stack (gunicorn with 2 workers on a loopback port, a Celery worker, PostgreSQL and
Redis) on a database of its own loaded with ``seed --scale`` (created when missing, reused when
already loaded at the same scale), measures each figure together with its floor, prints one table
and writes it to docs/performance.md with the machine description.

The floor of a figure is the least work that can produce it: the same rows, columns and joins
fetched with one hand-written SQL query through psycopg2 and serialised with ``json.dumps``, in
the same run, on the same data. What counts is the ratio; the machine may be shared and noisy.

Environment: BENCH_DATABASE_URL (default: database npm_bench of the development server),
BENCH_REDIS_URL (default: Redis database 1), BENCH_PORT (8300), BENCH_SCALE (10), BENCH_REPEAT
(20 requests per latency figure).
"""

import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
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


# --- measuring ----------------------------------------------------------------------------------


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


# --- the API --------------------------------------------------------------------------------------

FACILITY_SQL = """
SELECT f.id, f.name, c.code AS country, r.code AS region, t.code AS facility_type,
       a.code AS agency, f.address, f.capacity, f.population, f.is_active,
       (SELECT max(v.ended_on) FROM facilities_visit v WHERE v.facility_id = f.id) AS last_visit_on,
       f.created_at, f.updated_at
FROM facilities_facility f
JOIN facilities_country c ON c.id = f.country_id
JOIN facilities_region r ON r.id = f.region_id
JOIN facilities_facilitytype t ON t.id = f.facility_type_id
JOIN facilities_agency a ON a.id = f.agency_id
WHERE c.code = 'KZ' {where}
ORDER BY f.created_at DESC, f.id DESC LIMIT %(limit)s
"""
VISIT_SQL = """
SELECT v.id, v.facility_id AS facility, t.code AS visit_type, v.announced, v.started_on,
       v.ended_on, v.status, v.persons_held, v.interviews_private, v.interviews_group,
       ARRAY(SELECT o.code FROM facilities_visitobstacle vo
             JOIN facilities_obstacletype o ON o.id = vo.obstacle_type_id
             WHERE vo.visit_id = v.id) AS obstacles,
       v.summary, v.created_at, v.updated_at
FROM facilities_visit v
JOIN facilities_facility f ON f.id = v.facility_id
JOIN facilities_country c ON c.id = f.country_id
JOIN facilities_visittype t ON t.id = v.visit_type_id
WHERE c.code = 'KZ' {where}
ORDER BY v.created_at DESC, v.id DESC LIMIT %(limit)s
"""
ALLEGATION_SQL = """
SELECT al.id, al.reference, al.incident_id AS incident, c.code AS country, s.code AS source,
       al.received_at, al.facility_id AS facility, al.visit_id AS visit,
       p.code AS place_of_incident, al.incident_date,
       ARRAY(SELECT m.code FROM cases_allegation_methods am JOIN cases_method m
             ON m.id = am.method_id WHERE am.allegation_id = al.id) AS methods,
       al.summary, al.urgent, al.reprisal_risk, al.status,
       ARRAY(SELECT cs.destination FROM cases_consent cs
             WHERE cs.allegation_id = al.id AND cs.withdrawn_on IS NULL) AS consent,
       (SELECT json_agg(json_build_object('agency', ag.code, 'unit', pe.unit, 'rank', pe.rank,
                                          'name', pe.name))
          FROM cases_perpetrator pe JOIN facilities_agency ag ON ag.id = pe.agency_id
         WHERE pe.allegation_id = al.id) AS perpetrators,
       vi.sex, vi.is_minor, vi.citizenship, vi.full_name, vi.date_of_birth,
       al.created_at, al.updated_at
FROM cases_allegation al
JOIN facilities_country c ON c.id = al.country_id
JOIN cases_allegationsource s ON s.id = al.source_id
JOIN cases_placeofincident p ON p.id = al.place_of_incident_id
LEFT JOIN cases_victim vi ON vi.allegation_id = al.id
WHERE c.code = 'KZ' {where}
ORDER BY al.created_at DESC, al.id DESC LIMIT %(limit)s
"""
REFERRAL_SQL = """
SELECT r.id, r.reference, r.allegation_id AS allegation, o.code AS prosecutor_office, r.status,
       EXISTS(SELECT 1 FROM cases_consent cs WHERE cs.allegation_id = r.allegation_id
              AND cs.destination = 'prosecutor' AND cs.withdrawn_on IS NULL)
         AS identity_disclosed,
       r.external_number,
       (SELECT min(d.due_at) FROM cases_deadline d
         WHERE d.referral_id = r.id AND d.met_at IS NULL) AS due_at,
       (SELECT json_agg(json_build_object('kind', e.kind, 'occurred_at', e.occurred_at,
                                          'external_number', e.external_number, 'note', e.note)
                        ORDER BY e.occurred_at, e.created_at)
          FROM cases_referralevent e WHERE e.referral_id = r.id) AS events,
       r.created_at, r.updated_at
FROM cases_referral r
JOIN cases_allegation al ON al.id = r.allegation_id
JOIN facilities_country c ON c.id = al.country_id
JOIN cases_prosecutoroffice o ON o.id = r.prosecutor_office_id
WHERE c.code = 'KZ' {where}
ORDER BY r.created_at DESC, r.id DESC LIMIT %(limit)s
"""


def api_figures(token: str, client_label) -> None:
    import requests
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cases.models import Allegation, Referral
    from facilities.models import Facility, Visit

    floor = Floor()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    django_client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    kz = {"country__code": "KZ"}
    facility = Facility.objects.filter(**kz).order_by("-created_at").first()
    region = facility.region.code
    visit = Visit.objects.filter(facility__country__code="KZ").order_by("-created_at").first()
    allegation = Allegation.objects.filter(**kz).order_by("-created_at").first()
    referral = (
        Referral.objects.filter(allegation__country__code="KZ").order_by("-created_at").first()
    )
    office = referral.prosecutor_office.code
    cases = [
        ("facilities", "", {}, FACILITY_SQL, "", facility.pk),
        (
            "facilities",
            f"region={region}",
            {"region": region},
            FACILITY_SQL,
            "AND r.code = %(region)s",
            None,
        ),
        ("visits", "", {}, VISIT_SQL, "", visit.pk),
        (
            "visits",
            "status=report_sent&started_after=2020-01-01",
            {"after": date(2020, 1, 1)},
            VISIT_SQL,
            "AND v.status = 'report_sent' AND v.started_on >= %(after)s",
            None,
        ),
        ("allegations", "", {}, ALLEGATION_SQL, "", allegation.pk),
        (
            "allegations",
            "status=referred&received_after=2020-01-01T00:00:00Z",
            {"after": datetime(2020, 1, 1, tzinfo=UTC)},
            ALLEGATION_SQL,
            "AND al.status = 'referred' AND al.received_at >= %(after)s",
            None,
        ),
        ("referrals", "", {}, REFERRAL_SQL, "", referral.pk),
        (
            "referrals",
            f"status=sent&prosecutor_office={office}",
            {"office": office},
            REFERRAL_SQL,
            "AND r.status = 'sent' AND o.code = %(office)s",
            None,
        ),
    ]
    for resource, query, params, sql, where, detail_pk in cases:
        url = f"/api/v1/{resource}/?limit=100" + (f"&{query}" if query else "")
        response = session.get(BASE + url)
        response.raise_for_status()
        count = len(response.json()["results"])
        samples = timed(lambda url=url: session.get(BASE + url).content)
        with CaptureQueriesContext(connection) as queries:
            django_client.get(url)
        with CaptureQueriesContext(connection) as queries_small:
            django_client.get(url.replace("limit=100", "limit=10"))
        floor_sql = sql.format(where=where)
        floor_samples = timed(
            lambda floor_sql=floor_sql, params=params: floor.run(
                floor_sql, {**params, "limit": 100}
            )
        )
        label = f"API list {resource}" + (f" ?{query}" if query else "") + f" ({count} rows)"
        record(
            label,
            median(samples),
            median(floor_samples),
            p95_ours=p95(samples),
            queries=f"{len(queries)} (10 rows: {len(queries_small)})",
        )
        if detail_pk is None:
            continue
        url = f"/api/v1/{resource}/{detail_pk}/"
        session.get(BASE + url).raise_for_status()
        samples = timed(lambda url=url: session.get(BASE + url).content)
        with CaptureQueriesContext(connection) as queries:
            django_client.get(url)
        table_alias = {"facilities": "f", "visits": "v", "allegations": "al", "referrals": "r"}
        detail_sql = sql.format(where=f"AND {table_alias[resource]}.id = %(pk)s")
        floor_samples = timed(
            lambda s=detail_sql, pk=detail_pk: floor.run(s, {"pk": str(pk), "limit": 1})
        )
        record(
            f"API detail {resource}",
            median(samples),
            median(floor_samples),
            p95_ours=p95(samples),
            queries=str(len(queries)),
        )


# --- the admin ------------------------------------------------------------------------------------


def admin_figures(username: str, password: str) -> None:
    import requests

    from cases.models import Allegation, Referral
    from facilities.models import Visit

    session = requests.Session()
    page = session.get(f"{BASE}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{BASE}/admin/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": f"{BASE}/admin/login/"},
    )
    if "/admin/login/" in response.url:
        raise SystemExit("The bench staff user could not log in to the admin.")
    targets = [
        ("allegations", "cases/allegation", Allegation.objects.order_by("-received_at").first()),
        ("referrals", "cases/referral", Referral.objects.order_by("-created_at").first()),
        ("visits", "facilities/visit", Visit.objects.order_by("-started_on").first()),
    ]
    for label, path, obj in targets:
        url = f"{BASE}/admin/{path}/"
        assert session.get(url).status_code == 200, url
        samples = timed(lambda url=url: session.get(url).content, repeat=max(5, REPEAT // 2))
        record(f"admin changelist {label}", median(samples), p95_ours=p95(samples))
        url = f"{BASE}/admin/{path}/{obj.pk}/change/"
        assert session.get(url).status_code == 200, url
        samples = timed(lambda url=url: session.get(url).content, repeat=max(5, REPEAT // 2))
        record(f"admin change page {label}", median(samples), p95_ours=p95(samples))


# --- reminders ------------------------------------------------------------------------------------

OVERDUE_SQL = """
SELECT d.id, d.clock, d.due_at, r.reference AS referral, al.reference AS allegation,
       u.email, u.id AS officer
FROM cases_deadline d
LEFT JOIN cases_referral r ON r.id = d.referral_id
LEFT JOIN cases_allegation al ON al.id = COALESCE(r.allegation_id, d.allegation_id)
LEFT JOIN auth_user u ON u.id = al.assigned_officer_id
WHERE d.met_at IS NULL AND d.due_at < now() AND d.overdue_notified_at IS NULL
ORDER BY d.due_at LIMIT 500
"""
DIGEST_SQL = """
SELECT u.id, u.email, json_agg(json_build_object('clock', d.clock, 'due_at', d.due_at,
       'subject', COALESCE(r.reference, al.reference)) ORDER BY d.due_at) AS items
FROM cases_deadline d
LEFT JOIN cases_referral r ON r.id = d.referral_id
LEFT JOIN cases_allegation al ON al.id = COALESCE(r.allegation_id, d.allegation_id)
JOIN auth_user u ON u.id = al.assigned_officer_id
WHERE d.met_at IS NULL AND d.due_at <= now() + interval '7 days'
GROUP BY u.id, u.email
"""


class _Undo(Exception):
    pass


def _rolled_back(fn):
    """Run ``fn`` in a transaction rolled back afterwards, so every run measures the same work."""
    from django.db import transaction

    result = {}
    try:
        with transaction.atomic():
            result["value"] = fn()
            raise _Undo
    except _Undo:
        pass
    return result.get("value")


def reminder_figures() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cases import notifications
    from cases.models import Deadline

    floor = Floor()
    # Overdue and never notified: what fell due after the data set's horizon (seeds.scale).
    overdue = Deadline.objects.overdue().filter(overdue_notified_at__isnull=True).count()
    total = Deadline.objects.count()

    def steady_state():
        # The scan runs every 15 minutes: what was overdue before the last run is notified.
        Deadline.objects.overdue(timezone.now() - timedelta(minutes=15)).filter(
            overdue_notified_at__isnull=True
        ).update(overdue_notified_at=timezone.now())
        started = time.perf_counter()
        sent = notifications.notify_overdue()
        return (time.perf_counter() - started) * 1000, sent

    runs = [_rolled_back(steady_state) for _ in range(3)]
    floor_samples = timed(lambda: floor.run(OVERDUE_SQL), repeat=5)
    record(
        f"overdue scan, steady state ({total:,} deadlines scanned; {runs[0][1]} new notices)",
        median([ms for ms, _sent in runs]),
        median(floor_samples),
    )
    samples = timed(lambda: _rolled_back(notifications.notify_overdue), repeat=1, warm_up=False)
    record(
        f"overdue scan, backlog of {overdue:,} never notified: one run (its limit, 500 notices)",
        median(samples),
        median(floor_samples),
    )
    counted = {}

    def digest():
        counted["sent"] = _rolled_back(notifications.send_digests)

    samples = timed(digest, repeat=1, warm_up=False)
    sent = counted["sent"]
    floor_samples = timed(lambda: floor.run(DIGEST_SQL), repeat=5)
    record(f"daily digest ({sent} officers)", median(samples), median(floor_samples))


# --- reports --------------------------------------------------------------------------------------

STATISTICS_SQL = """
WITH
 v AS (SELECT v.* FROM facilities_visit v JOIN facilities_facility f ON f.id = v.facility_id
       WHERE f.country_id = %(country)s AND v.started_on BETWEEN %(start)s AND %(end)s),
 a AS (SELECT * FROM cases_allegation WHERE country_id = %(country)s
       AND received_at >= %(t0)s AND received_at < %(t1)s),
 r AS (SELECT r.* FROM cases_referral r JOIN cases_allegation al ON al.id = r.allegation_id
       WHERE al.country_id = %(country)s AND EXISTS (SELECT 1 FROM cases_referralevent e
       WHERE e.referral_id = r.id AND e.kind = 'sent'
       AND e.occurred_at >= %(t0)s AND e.occurred_at < %(t1)s)),
 rec AS (SELECT * FROM facilities_recommendation WHERE country_id = %(country)s
         AND issued_on BETWEEN %(start)s AND %(end)s)
SELECT json_build_object(
 'visits', (SELECT count(*) FROM v),
 'unannounced', (SELECT count(*) FROM v WHERE NOT announced),
 'by_type', (SELECT json_object_agg(visit_type_id, n) FROM
             (SELECT visit_type_id, count(*) n FROM v GROUP BY 1) x),
 'obstacles', (SELECT count(*) FROM facilities_visitobstacle o JOIN v ON v.id = o.visit_id),
 'allegations', (SELECT count(*) FROM a),
 'urgent', (SELECT count(*) FROM a WHERE urgent),
 'by_source', (SELECT json_object_agg(source_id, n) FROM
               (SELECT source_id, count(*) n FROM a GROUP BY 1) x),
 'by_place', (SELECT json_object_agg(place_of_incident_id, n) FROM
              (SELECT place_of_incident_id, count(*) n FROM a GROUP BY 1) x),
 'by_method', (SELECT json_object_agg(method_id, n) FROM
               (SELECT am.method_id, count(DISTINCT am.allegation_id) n
                FROM cases_allegation_methods am JOIN a ON a.id = am.allegation_id GROUP BY 1) x),
 'by_agency', (SELECT json_object_agg(agency_id, n) FROM
               (SELECT p.agency_id, count(DISTINCT p.allegation_id) n
                FROM cases_perpetrator p JOIN a ON a.id = p.allegation_id GROUP BY 1) x),
 'by_region', (SELECT json_object_agg(region_id, n) FROM
               (SELECT f.region_id, count(*) n FROM a JOIN facilities_facility f
                ON f.id = a.facility_id GROUP BY 1) x),
 'referrals', (SELECT count(*) FROM r),
 'referral_status', (SELECT json_object_agg(status, n) FROM
                     (SELECT status, count(*) n FROM r GROUP BY 1) x),
 'answers', (SELECT json_build_object('on_time', count(*) FILTER (WHERE met_at <= due_at),
             'late', count(*) FILTER (WHERE met_at > due_at OR met_at IS NULL))
             FROM cases_deadline d JOIN r ON r.id = d.referral_id
             WHERE d.clock = 'referral_answer'),
 'overdue', (SELECT count(*) FROM cases_deadline d WHERE d.country_id = %(country)s
             AND d.started_at < %(t1)s AND d.due_at < %(t1)s
             AND (d.met_at IS NULL OR d.met_at >= %(t1)s)),
 'recommendations', (SELECT json_object_agg(status, n) FROM
                     (SELECT status, count(*) n FROM rec GROUP BY 1) x),
 'stage_medians', (SELECT json_object_agg(from_status, json_build_array(median, n)) FROM
                   (SELECT from_status, percentile_cont(0.5) WITHIN GROUP (ORDER BY days) median,
                           count(*) n
                    FROM (SELECT e.from_status,
                            EXTRACT(EPOCH FROM e.occurred_at - lag(e.occurred_at) OVER (
                              PARTITION BY e.referral_id ORDER BY e.occurred_at, e.created_at))
                            / 86400.0 AS days
                          FROM cases_referralevent e
                          WHERE e.referral_id IN (SELECT id FROM r)) steps
                    WHERE days IS NOT NULL GROUP BY 1) x)
 {annual}
) AS figures
"""
# The annual report adds last year's headline figures (its trends) and recommendations by
# addressee level and status.
ANNUAL_FIGURES = """,
 'previous', (SELECT json_build_array(
    (SELECT count(*) FROM facilities_visit v JOIN facilities_facility f ON f.id = v.facility_id
      WHERE f.country_id = %(country)s AND v.status <> 'cancelled'
      AND v.started_on BETWEEN %(start_p)s AND %(end_p)s),
    (SELECT count(*) FROM cases_allegation WHERE country_id = %(country)s
      AND received_at >= %(t0_p)s AND received_at < %(t1_p)s),
    (SELECT count(*) FROM cases_referral r JOIN cases_allegation al ON al.id = r.allegation_id
      WHERE al.country_id = %(country)s AND EXISTS (SELECT 1 FROM cases_referralevent e
      WHERE e.referral_id = r.id AND e.kind = 'sent'
      AND e.occurred_at >= %(t0_p)s AND e.occurred_at < %(t1_p)s)),
    (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n
      FROM facilities_recommendation WHERE country_id = %(country)s
      AND issued_on BETWEEN %(start_p)s AND %(end_p)s GROUP BY 1) x))),
 'by_addressee', (SELECT json_agg(x) FROM (SELECT addressee_level, status, count(*) n
                  FROM rec GROUP BY 1, 2) x)
"""


def _worker_peak_kib(worker) -> int:
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


def report_figures(worker, staff) -> None:
    from django.db import transaction

    from facilities.models import Country
    from reports.models import ReportRun
    from reports.selectors import STATISTICS_WORK_MEM
    from reports.services import request_run

    floor = Floor()
    country = Country.objects.get(code="KZ")
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    zone_start = datetime(2025, 1, 1, tzinfo=country.zone)
    zone_end = datetime(2026, 1, 1, tzinfo=country.zone)
    params = {
        "country": country.pk,
        "start": start,
        "end": end,
        "t0": zone_start,
        "t1": zone_end,
        "start_p": date(2024, 1, 1),
        "end_p": date(2024, 12, 31),
        "t0_p": datetime(2024, 1, 1, tzinfo=country.zone),
        "t1_p": zone_start,
    }
    # The same memory for sorts as the statistics step (reports.selectors.STATISTICS_WORK_MEM).
    with floor.conn.cursor() as cursor:
        cursor.execute(f"SET work_mem = '{STATISTICS_WORK_MEM}'")
    floors = {
        kind: median(timed(lambda sql=sql: floor.run(sql, params), repeat=5))
        for kind, sql in (
            ("annual", STATISTICS_SQL.format(annual=ANNUAL_FIGURES)),
            ("periodic_statistics", STATISTICS_SQL.format(annual="")),
        )
    }
    for kind in ("annual", "periodic_statistics"):
        with transaction.atomic():
            run, _created = request_run(
                actor=staff,
                refresh=True,
                kind=kind,
                country=country,
                region=None,
                period_start=start,
                period_end=end,
                language="ru",
                version="internal",
            )
        started = time.monotonic()
        while True:
            run.refresh_from_db()
            if run.status in ("done", "failed"):
                break
            if time.monotonic() - started > 600:
                raise SystemExit(f"The {kind} report did not finish in 10 minutes.")
            time.sleep(0.5)
        wall = time.monotonic() - started
        if run.status == "failed":
            record(f"report {kind}: FAILED", wall * 1000, note=run.error[:80])
            continue
        timings = ReportRun.objects.get(pk=run.pk).timings
        record(f"report {kind}: statistics step", timings["data"] * 1000, floors[kind])
        record(f"report {kind}: PDF step", timings["pdf"] * 1000)
        record(f"report {kind}: whole run (queued to done)", wall * 1000)
        record(f"report {kind}: worker peak memory", _worker_peak_kib(worker) / 1024, unit="MB")


# --- complaint intake -----------------------------------------------------------------------------


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


def intake_figures(token: str) -> None:
    from cases.models import AllegationSource
    from facilities.models import Facility

    facility = Facility.objects.filter(country__code="KZ").first()
    source = AllegationSource.objects.get(code="complaint_terminal")
    trivial = load(lambda: f"{BASE}/healthz", "GET")
    record("trivial endpoint GET /healthz", trivial, unit="req/s")

    def body():
        return {
            "country": "KZ",
            "source": source.code,
            "received_at": datetime.now(UTC).isoformat(),
            "facility": str(facility.pk),
            "text": "Жалоба с терминала: избиение при обыске.",
        }

    intake = load(
        lambda: f"{BASE}/api/v1/complaints/",
        "POST",
        body,
        headers={"Authorization": f"Bearer {token}"},
    )
    record(
        "complaint intake POST /api/v1/complaints/",
        intake,
        unit="req/s",
        note=f"{100 * intake / trivial:.0f}% of trivial",
    )


# --- report ---------------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        if match:
            cpu = match.group(1).strip()
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        if match:
            mem = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB RAM"
    pg = Floor().scalar("SHOW server_version")
    load1 = os.getloadavg()[0]
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem}, PostgreSQL {pg}, Python "
        f"{platform.python_version()}; load average {load1:.1f} when the run ended"
    )


def table() -> str:
    lines = [
        "| figure | ours (median) | p95 | floor | ratio | queries |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in ROWS:
        unit = row["unit"]
        ours = f"{row['ours']:.1f} {unit}" if row["ours"] is not None else ""
        p95_ = f"{row['p95']:.1f}" if row["p95"] is not None else ""
        floor = f"{row['floor']:.1f}" if row["floor"] else ""
        ratio = f"{row['ratio']:.1f}×" if row["ratio"] else ""
        figure = row["figure"] + (f" — {row['note']}" if row["note"] else "")
        lines.append(f"| {figure} | {ours} | {p95_} | {floor} | {ratio} | {row['queries'] or ''} |")
    return "\n".join(lines)


def write_results(load_seconds: float, counts: dict) -> None:
    target = ROOT / "docs" / "performance.md"
    text = target.read_text() if target.exists() else "# Performance\n"
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    sizes = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    loaded = f"; loaded in {load_seconds:.0f} s by this run" if load_seconds else ""
    block = (
        f"{begin}\n"
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scale {SCALE:g} ({sizes}{loaded}).\n\n"
        f"Machine: {machine()}.\n\n{table()}\n{end}"
    )
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    target.write_text(text)
    log(f"written to {target.relative_to(ROOT)}")


def prepare_users():
    """An API client with every scope of KZ and a staff user of both countries, for the run."""
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from facilities.models import Country
    from npm_tracker.core.models import StaffProfile

    out = io.StringIO()
    call_command(
        "create_api_client",
        name=f"bench-{os.getpid()}",
        country="KZ",
        scopes="read write confidential complaints reports",
        stdout=out,
    )
    credentials = json.loads(out.getvalue().strip().splitlines()[-1])
    User = get_user_model()
    password = uuid.uuid4().hex
    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    user.is_staff = user.is_superuser = True
    user.set_password(password)
    user.save()
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    profile.countries.set(Country.objects.all())
    return credentials, user, password


def main() -> None:
    import requests

    ensure_database()
    load_seconds = ensure_scale_data()
    from cases.models import Allegation, Deadline, Referral, ReferralEvent
    from facilities.models import Facility, Recommendation, Visit

    counts = {
        "facilities": Facility.objects.count(),
        "visits": Visit.objects.count(),
        "allegations": Allegation.objects.count(),
        "referrals": Referral.objects.count(),
        "referral events": ReferralEvent.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "deadlines": Deadline.objects.count(),
    }
    credentials, staff, password = prepare_users()
    if load_seconds:
        record(f"seed --scale {SCALE:g} (load time)", load_seconds, unit="s")
    with stack() as worker:
        token = requests.post(
            f"{BASE}/o/token/",
            data={"grant_type": "client_credentials", **credentials},
        ).json()["access_token"]
        steps = [
            ("API", lambda: api_figures(token, credentials)),
            ("admin", lambda: admin_figures(staff.username, password)),
            ("reminders", reminder_figures),
            ("reports", lambda: report_figures(worker, staff)),
            ("intake", lambda: intake_figures(token)),
        ]
        only = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))
        for name, step in steps:
            if only and name not in only:
                continue
            log(f"measuring: {name}")
            step()
    print()
    print(table())
    write_results(load_seconds, counts)


if __name__ == "__main__":
    main()
