"""Scheduled work of the cases app, and the mailing of its notices (outbox jobs). Thin: each task
calls a service that claims its work with a conditional write and is safe to run twice or
concurrently."""

from celery import shared_task

from cases import notifications
from npm_tracker.core import outbox
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context


@shared_task(name="cases.notify_overdue", time_limit=300, soft_time_limit=270)
def notify_overdue() -> int:
    with system_context(SystemActor.task("cases.notify_overdue")):
        return notifications.notify_overdue()


@shared_task(name="cases.send_digests", time_limit=600, soft_time_limit=570)
def send_digests() -> int:
    with system_context(SystemActor.task("cases.send_digests")):
        return notifications.send_digests()


@shared_task(name="cases.verify_history", time_limit=3600, soft_time_limit=3540)
def verify_history() -> dict:
    with system_context(SystemActor.task("cases.verify_history")):
        return notifications.verify_history()


@shared_task(name="cases.mail_notice", acks_late=True, time_limit=120, soft_time_limit=100)
def mail_notice(job_id: str) -> str:
    return outbox.run(job_id)
