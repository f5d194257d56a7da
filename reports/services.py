"""Writes of the reports: asking for a run, rendering it, dispatching schedules, sending links.

One lifecycle (``pending → running → done / failed``, a failed run back to ``pending`` when asked
again) and it changes only here. Rendering is safe to start twice: a PostgreSQL advisory lock
per run lets one worker render, and the run is marked ``done`` only after its file is stored.
"""

import hashlib
import logging
import time as clock
from contextlib import contextmanager
from datetime import date, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from npm_tracker.core import outbox
from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.services import (
    Actor,
    SystemActor,
    actor_fields,
    staff_user,
    validated_save,
)
from npm_tracker.core.webhooks import emit
from reports import documents, pdf
from reports.choices import Cadence, ReportKind, RunStatus
from reports.models import KEY_FIELDS, ReportDelivery, ReportRun, ReportSchedule

log = logging.getLogger(__name__)


RENDER = "report.render"
SEND_LINKS = "report.send_links"
# A run left ``pending`` or ``running`` this long past its time limit is stuck (its job lost
# or its worker gone): asking for it again queues it again.
STUCK_AFTER_SECONDS = 120


def _enqueue(run: ReportRun) -> None:
    enqueue_render(run.pk)


def enqueue_render(run_id) -> None:
    """The run's rendering, as an outbox job of the caller's transaction."""
    outbox.enqueue(RENDER, {"run": str(run_id)})


def time_limit() -> float:
    """The longest a rendering may take: the worker's setting (read where it is used)."""
    return float(settings.REPORT_TIME_LIMIT_SECONDS)


def _requester_fields(actor: Actor) -> dict:
    fields = actor_fields(actor)
    return {"requested_by": fields["actor"], "requested_by_label": fields["actor_label"][:200]}


@transaction.atomic
def request_run(*, actor: Actor, refresh: bool = False, **key) -> tuple[ReportRun, bool]:
    """The current run of this key, created (and queued) when there is none; a failed run is
    queued again under the same id; ``refresh`` replaces the current run with a new one.
    Returns ``(run, created)``. Two callers asking at once get the same run."""
    candidate = ReportRun(**key, **_requester_fields(actor))
    if candidate.kind == ReportKind.VISIT and candidate.visit_id:
        candidate.period_start = candidate.period_end = None
    if candidate.kind == ReportKind.REFERRAL_LETTER and candidate.referral_id:
        candidate.period_start = candidate.period_end = None
    candidate.full_clean(validate_constraints=False)
    lookup = {name: getattr(candidate, name) for name in KEY_FIELDS}
    # Serialise callers of the same key, so "create when absent" cannot race.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_key_text(lookup)])
    current = ReportRun.objects.select_for_update().filter(is_current=True, **lookup).first()
    if current is not None and not refresh:
        if _stuck(current):
            _fail(current, _("The report stopped before it was finished; it is made again."))
            current.status = RunStatus.FAILED
        if current.status == RunStatus.FAILED:
            retry(run=current)
        return current, False
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current", "updated_at"])
    try:
        with transaction.atomic():
            validated_save(candidate)
    except IntegrityError:  # pragma: no cover - the advisory lock makes this a safety net
        return ReportRun.objects.get(is_current=True, **lookup), False
    _enqueue(candidate)
    return candidate, True


def _key_text(lookup: dict) -> str:
    return "report:" + "|".join(
        str(getattr(value, "pk", value)) for _name, value in sorted(lookup.items())
    )


def _stuck(run: ReportRun) -> bool:
    if run.status not in (RunStatus.PENDING, RunStatus.RUNNING):
        return False
    since = run.started_at if run.status == RunStatus.RUNNING else run.updated_at
    limit = timedelta(seconds=time_limit() + STUCK_AFTER_SECONDS)
    return since is not None and since < timezone.now() - limit


def retry(*, run: ReportRun) -> ReportRun:
    """Queue a failed run again (same id)."""
    updated = ReportRun.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
        status=RunStatus.PENDING, error="", updated_at=timezone.now()
    )
    if not updated:
        raise DomainError(
            _("Only a failed report can be retried."), code=ErrorCode.INVALID_TRANSITION
        )
    run.refresh_from_db()
    _enqueue(run)
    return run


@contextmanager
def _render_lock(run_id):
    """A session-level advisory lock: held while one worker renders the run, released at the end
    or by PostgreSQL when the worker dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [f"render:{run_id}"])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [f"render:{run_id}"])


def build_pdf(run: ReportRun) -> tuple[bytes, dict]:
    """Render the run's PDF in its language. Returns the bytes and the timings of both steps
    (with ``personal_data`` when the document names a person)."""
    started = clock.perf_counter()
    with translation.override(run.language):
        template, context = documents.BUILDERS[run.kind](run)
        data_seconds = clock.perf_counter() - started
        html = pdf.render_html(template, context, run.language)
        content = pdf.html_to_pdf(html)
    total = clock.perf_counter() - started
    timings = {"data": round(data_seconds, 3), "pdf": round(total - data_seconds, 3)}
    if context.get("disclose_identity"):
        timings["personal_data"] = True
    return content, timings


def render_job(payload: dict, attempt: int) -> None:
    """The outbox handler of ``RENDER``: a database that went away raises (and the outbox tries
    again); an error of the report itself ends the run ``failed``, shown to staff."""
    render(payload["run"])


def render_lost(payload: dict, reason: str) -> None:
    """The rendering's worker died or ran past the time limit: the run is ``failed`` with the
    reason until the outbox's next attempt takes it up (or for good when none is left)."""
    ReportRun.objects.filter(
        pk=payload["run"], status__in=(RunStatus.PENDING, RunStatus.RUNNING)
    ).update(
        status=RunStatus.FAILED,
        error=_("The report stopped before it was finished (%(reason)s).") % {"reason": reason},
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def render(run_id) -> str:
    """Produce the file of a run. Returns the run's status afterwards (or ``"busy"`` when another
    worker holds it). Errors end the run ``failed`` with the error shown to staff; a worker that
    dies leaves it ``running`` until the outbox takes the job back."""
    with _render_lock(run_id) as acquired:
        if not acquired:
            return "busy"
        run = ReportRun.objects.select_related(
            "country", "region", "agency", "visit", "referral"
        ).get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run.status
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING,
            started_at=timezone.now(),
            attempts=run.attempts + 1,
            error="",
            updated_at=timezone.now(),
        )
        try:
            content, timings = build_pdf(run)
            digest = hashlib.sha256(content).hexdigest()
            run.file.save(run.filename, ContentFile(content), save=False)
        except SoftTimeLimitExceeded:
            return _fail(run, _("The report took longer than the time allowed."))
        except Exception as exc:
            log.exception("report %s failed", run.pk)
            return _fail(run, f"{type(exc).__name__}: {exc}")
        with transaction.atomic():
            ReportRun.objects.filter(pk=run.pk).update(
                status=RunStatus.DONE,
                file=run.file.name,
                sha256=digest,
                size=len(content),
                personal_data=timings.pop("personal_data", False),
                timings=timings,
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
            emit(
                "report.ready",
                country_id=run.country_id,
                object_type="report",
                object_id=run.pk,
            )
            outbox.enqueue(SEND_LINKS, {"run": str(run.pk)})
        return RunStatus.DONE


def _fail(run: ReportRun, message: str) -> str:
    ReportRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED,
        error=message[:2000],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return RunStatus.FAILED


# --- schedules -------------------------------------------------------------------------------


def last_complete_period(cadence: str, today: date) -> tuple[date, date]:
    """The month, quarter or year that ended most recently before ``today``."""
    if cadence == Cadence.MONTHLY:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if cadence == Cadence.QUARTERLY:
        quarter_start_month = 3 * ((today.month - 1) // 3) + 1
        end = today.replace(month=quarter_start_month, day=1) - timedelta(days=1)
        start_month = end.month - 2
        return date(end.year, start_month, 1), end
    year = today.year - 1
    return date(year, 1, 1), date(year, 12, 31)


def schedule_save(*, actor: Actor, schedule: ReportSchedule) -> ReportSchedule:
    if schedule._state.adding and schedule.created_by_id is None:
        schedule.created_by = staff_user(actor)
    return validated_save(schedule)


def dispatch_schedule(*, schedule: ReportSchedule, today: date | None = None) -> ReportRun:
    """Ask for the run of the schedule's last complete period and note that its recipients get
    it. Safe to call any number of times: one run, one delivery."""
    today = today or timezone.localtime(timezone.now(), schedule.country.zone).date()
    start, end = last_complete_period(schedule.cadence, today)
    with transaction.atomic():
        run, _created = request_run(
            actor=SystemActor(f"schedule:{schedule.pk}"),
            kind=schedule.kind,
            country=schedule.country,
            region=schedule.region,
            agency=schedule.agency,
            period_start=start,
            period_end=end,
            language=schedule.language,
            version=schedule.version,
        )
        _delivery, created = ReportDelivery.objects.get_or_create(schedule=schedule, run=run)
        if created and run.status == RunStatus.DONE:
            outbox.enqueue(SEND_LINKS, {"run": str(run.pk)})
    return run


def dispatch_due_schedules(today: date | None = None) -> int:
    """Dispatch every active schedule whose last complete period has no delivery yet. Returns
    how many runs were asked for."""
    count = 0
    for schedule in ReportSchedule.objects.filter(is_active=True).select_related("country"):
        local_today = today or timezone.localtime(timezone.now(), schedule.country.zone).date()
        start, end = last_complete_period(schedule.cadence, local_today)
        done = ReportDelivery.objects.filter(
            schedule=schedule,
            run__period_start=start,
            run__period_end=end,
            run__language=schedule.language,
            run__version=schedule.version,
        ).exists()
        if not done:
            dispatch_schedule(schedule=schedule, today=local_today)
            count += 1
    return count


def send_links_job(payload: dict, attempt: int) -> None:
    """The outbox handler of ``SEND_LINKS``: a mail that cannot be sent raises, leaving its
    delivery unclaimed for the next attempt."""
    send_deliveries(run_id=payload["run"])


def send_deliveries(*, run_id) -> int:
    """E-mail a link to the recipients of every schedule waiting for this run; each delivery is
    claimed by a conditional update, so a link goes out once."""
    sent = 0
    run = ReportRun.objects.select_related("country").get(pk=run_id)
    if run.status != RunStatus.DONE:
        return 0
    pending = ReportDelivery.objects.filter(run=run, sent_at__isnull=True).select_related(
        "schedule"
    )
    for delivery in pending:
        with transaction.atomic():
            claimed = ReportDelivery.objects.filter(pk=delivery.pk, sent_at__isnull=True).update(
                sent_at=timezone.now(), sent_to="\n".join(delivery.schedule.recipient_list)
            )
            if not claimed or not delivery.schedule.recipient_list:
                continue
            with translation.override(delivery.schedule.language):
                context = {
                    "run": run,
                    "link": settings.SITE_URL.rstrip("/") + run.download_url(),
                    "period_start": run.period_start,
                    "period_end": run.period_end,
                }
                subject = render_to_string("reports/email/ready_subject.txt", context).strip()
                body = render_to_string("reports/email/ready.txt", context)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, delivery.schedule.recipient_list)
            sent += 1
    return sent


def log_download(*, run: ReportRun, actor: Actor, channel, request) -> None:
    """A download of a file that names a person is a read of their identity."""
    if run.personal_data and run.referral_id:
        from npm_tracker.core.access import record_reads

        record_reads(
            actor=actor,
            channel=channel,
            records=[run.referral],
            what="identity (referral letter)",
            request=request,
        )


for _kind in (
    outbox.Kind(
        name=RENDER,
        task="reports.render_job",
        handler="reports.services.render_job",
        max_attempts=3,
        lease_seconds=lambda: time_limit() + 60,
        backoff_seconds=lambda attempt: 30.0 * attempt,
        on_lost="reports.services.render_lost",
    ),
    outbox.Kind(
        name=SEND_LINKS,
        task="reports.send_links_job",
        handler="reports.services.send_links_job",
        max_attempts=8,
        lease_seconds=lambda: 330.0,
        backoff_seconds=lambda attempt: 60.0 * 2 ** (attempt - 1),
    ),
):
    outbox.register(_kind)
