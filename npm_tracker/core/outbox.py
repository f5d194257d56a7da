"""A transactional outbox: the work a change causes (a webhook delivery, a report to render, a
notice to mail) is a row written in the change's transaction, so that it exists exactly when the
change does. Celery carries only the row's id, sent after the commit.

A job runs when a worker claims it with a conditional write (``queued`` → ``running``, with a
lease as long as the kind's time limit, read in the worker); it ends ``done``, or ``queued``
again with a backoff after any failure, or ``failed`` once its attempts are used up. The sweep
(Celery beat, every ``OUTBOX_SWEEP_SECONDS``) sends again the jobs that are due but were never
sent or whose message the broker lost, and takes back the jobs whose worker died or ran past
the lease, so a broker restart or a killed worker loses nothing. A job is claimed once per
attempt, so two messages for it (a sweep racing a slow queue) run it once.

Kinds are registered by the apps (``register``) with the Celery task that runs them; a task is
one line: ``return outbox.run(job_id)``.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from npm_tracker.core.models.outbox import JobStatus, OutboxJob

log = logging.getLogger(__name__)


class Retry(Exception):
    """Raised by a handler for a failure worth another attempt (any other exception is too;
    this one is logged without a traceback)."""


@dataclass(frozen=True)
class Kind:
    name: str
    task: str  # the Celery task that runs it
    handler: str  # dotted path of ``handler(payload, attempt)``
    max_attempts: int
    lease_seconds: Callable[[], float]  # read when claimed, in the worker
    backoff_seconds: Callable[[int], float]  # before the attempt after attempt n
    on_lost: str = ""  # dotted path of ``on_lost(payload, reason)``: a lease ran out
    on_give_up: str = ""  # dotted path of ``on_give_up(payload, reason)``: attempts used up


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _KINDS[kind.name] = kind


def kinds() -> dict[str, Kind]:
    return dict(_KINDS)


def enqueue(kind: str, payload: dict, *, delay: float = 0) -> OutboxJob:
    """Write a job in the caller's transaction; it is sent to the queue when that commits."""
    return enqueue_many(kind, [payload], delay=delay)[0]


def enqueue_many(kind: str, payloads: list[dict], *, delay: float = 0) -> list[OutboxJob]:
    """``enqueue`` for several jobs of one kind, in one insert."""
    spec = _KINDS[kind]
    now = timezone.now()
    available = now + timedelta(seconds=delay)
    jobs = OutboxJob.objects.bulk_create(
        OutboxJob(kind=kind, payload=payload, available_at=available, enqueued_at=now)
        for payload in payloads
    )
    ids = [str(job.pk) for job in jobs]
    transaction.on_commit(lambda: _send(spec, ids, countdown=delay))
    return jobs


def _send(spec: Kind, ids: list[str], *, countdown: float = 0) -> bool:
    """Hand jobs to the broker. A broker that cannot be reached is logged and leaves the jobs
    to the sweep: the change that caused them is already committed and stays so. No time
    limit is sent with the message: the worker's own settings decide it."""
    try:
        for job_id in ids:
            # An explicit None: send_task would otherwise copy the limits of a task registered
            # in this process into the message, and the caller's settings would decide.
            current_app.send_task(
                spec.task,
                args=[job_id],
                countdown=countdown or None,
                ignore_result=True,
                time_limit=None,
                soft_time_limit=None,
            )
    except Exception:
        log.warning("outbox: %s job(s) of %s not sent; the sweep sends them", len(ids), spec.name)
        OutboxJob.objects.filter(pk__in=ids, status=JobStatus.QUEUED).update(enqueued_at=None)
        return False
    return True


def run(job_id) -> str:
    """Claim and run one job. Returns what became of it (for logs and tests)."""
    now = timezone.now()
    job = OutboxJob.objects.filter(pk=job_id).only("kind").first()
    if job is None:
        return "unknown"
    spec = _KINDS[job.kind]
    claimed = OutboxJob.objects.filter(
        pk=job_id, status=JobStatus.QUEUED, available_at__lte=now
    ).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        lease_expires_at=now + timedelta(seconds=spec.lease_seconds()),
    )
    if not claimed:
        return "not due"  # done, running elsewhere, or waiting for its backoff
    job = OutboxJob.objects.get(pk=job_id)
    try:
        import_string(spec.handler)(job.payload, job.attempts)
    except Exception as exc:
        if isinstance(exc, Retry):
            log.info("outbox: %s attempt %s failed: %s", job, job.attempts, exc)
        else:
            log.exception("outbox: %s attempt %s failed", job, job.attempts)
        return _failed(
            job, spec, f"{type(exc).__name__}: {exc}" if not isinstance(exc, Retry) else str(exc)
        )
    OutboxJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
        status=JobStatus.DONE, finished_at=timezone.now(), lease_expires_at=None
    )
    return "done"


def _failed(job: OutboxJob, spec: Kind, error: str, *, hook: str = "") -> str:
    """Count a failed attempt: queue the job again after its backoff, or end it ``failed``."""
    now = timezone.now()
    current = OutboxJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)
    if hook:
        import_string(hook)(job.payload, error)
    if job.attempts >= spec.max_attempts:
        current.update(
            status=JobStatus.FAILED, last_error=error[:2000], finished_at=now, lease_expires_at=None
        )
        if spec.on_give_up:
            import_string(spec.on_give_up)(job.payload, error)
        return "failed"
    wait = spec.backoff_seconds(job.attempts)
    available = now + timedelta(seconds=wait)
    updated = current.update(
        status=JobStatus.QUEUED,
        last_error=error[:2000],
        available_at=available,
        enqueued_at=available,
        lease_expires_at=None,
    )
    if updated:
        transaction.on_commit(lambda: _send(spec, [str(job.pk)], countdown=wait))
    return "retry"


def drain(*, kinds=None, limit: int = 10_000) -> int:
    """Run the due jobs here, one after the other, instead of in a worker (``manage.py
    run_outbox``, and tests). Returns how many were run."""
    done = 0
    while done < limit:
        due = OutboxJob.objects.filter(status=JobStatus.QUEUED, available_at__lte=timezone.now())
        if kinds:
            due = due.filter(kind__in=kinds)
        ids = list(due.order_by("available_at").values_list("pk", flat=True)[:100])
        if not ids:
            break
        for job_id in ids:
            run(job_id)
            done += 1
    return done


def sweep(*, now=None) -> dict:
    """Take back jobs whose lease ran out and send again the due jobs the broker does not hold
    (never sent, or sent longer than ``OUTBOX_RESEND_AFTER_SECONDS`` ago and still waiting).
    Returns the counts, for the log."""
    now = now or timezone.now()
    taken_back = 0
    with transaction.atomic():
        expired = list(
            OutboxJob.objects.select_for_update(skip_locked=True).filter(
                status=JobStatus.RUNNING, lease_expires_at__lt=now
            )[:500]
        )
        for job in expired:
            spec = _KINDS[job.kind]
            reason = "the worker stopped, or the job ran past its time limit"
            _failed(job, spec, reason, hook=spec.on_lost)
            taken_back += 1
    resend_before = now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    with transaction.atomic():
        due = list(
            OutboxJob.objects.select_for_update(skip_locked=True)
            .filter(status=JobStatus.QUEUED, available_at__lte=now)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=resend_before))
            .order_by("available_at")
            .values_list("pk", "kind")[:1000]
        )
        OutboxJob.objects.filter(pk__in=[pk for pk, _kind in due]).update(enqueued_at=now)
    by_kind: dict[str, list[str]] = {}
    for pk, kind in due:
        by_kind.setdefault(kind, []).append(str(pk))
    for kind, ids in by_kind.items():
        _send(_KINDS[kind], ids)
    kept = timedelta(days=settings.OUTBOX_KEEP_DAYS)
    removed, _per_model = OutboxJob.objects.filter(
        status=JobStatus.DONE, finished_at__lt=now - kept
    ).delete()
    counts = {"taken_back": taken_back, "sent": len(due), "removed": removed}
    if taken_back or due:
        log.info("outbox sweep: %s", counts)
    return counts
