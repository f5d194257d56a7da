"""Figures of the background work and the intake: overdue scan, digest, reports, complaints."""

import time
from datetime import UTC, date, datetime

from .config import BASE
from .floors import ANNUAL_FIGURES, DIGEST_SQL, OVERDUE_SQL, STATISTICS_SQL
from .measure import Floor, load, median, record, timed
from .stack import worker_peak_kib

# --- reminders ------------------------------------------------------------------------------------


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
        record(f"report {kind}: worker peak memory", worker_peak_kib(worker) / 1024, unit="MB")


# --- complaint intake -----------------------------------------------------------------------------


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
