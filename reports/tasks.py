"""Report work for Celery. Thin: the services do the work and are safe to run twice."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context
from reports import services


@shared_task(
    name="reports.render",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.REPORT_TIME_LIMIT_SECONDS + 30,
    soft_time_limit=settings.REPORT_TIME_LIMIT_SECONDS,
    max_retries=3,
)
def render_report(self, run_id: str) -> str:
    try:
        with system_context(SystemActor.task("reports.render")):
            return services.render(run_id)
    except (OperationalError, InterfaceError) as exc:  # the database went away: try again
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc


@shared_task(name="reports.dispatch_schedules", time_limit=300, soft_time_limit=270)
def dispatch_schedules() -> int:
    with system_context(SystemActor.task("reports.dispatch_schedules")):
        return services.dispatch_due_schedules()
