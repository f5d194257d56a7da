"""Report work for Celery. Thin: outbox job ids in, ``outbox.run``; the services do the work and
are safe to run twice. Time limits are this worker's settings (no limit travels with a
message)."""

from celery import shared_task
from django.conf import settings

from npm_tracker.core import outbox
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context
from reports import services


@shared_task(
    name="reports.render_job",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS + 30,
    soft_time_limit=settings.REPORT_TIME_LIMIT_SECONDS,
)
def render_report(job_id: str) -> str:
    with system_context(SystemActor.task("reports.render")):
        return outbox.run(job_id)


@shared_task(name="reports.send_links_job", acks_late=True, time_limit=300, soft_time_limit=270)
def send_report_links(job_id: str) -> str:
    with system_context(SystemActor.task("reports.send_links")):
        return outbox.run(job_id)


@shared_task(name="reports.render")
def render_legacy(run_id: str) -> str:
    """A rendering queued by the release before the outbox, still in the broker after an
    upgrade: it becomes an outbox job. (Removable once no such message can be left.)"""
    services.enqueue_render(run_id)
    return "moved to the outbox"


@shared_task(name="reports.dispatch_schedules", time_limit=300, soft_time_limit=270)
def dispatch_schedules() -> int:
    with system_context(SystemActor.task("reports.dispatch_schedules")):
        return services.dispatch_due_schedules()
