"""Celery tasks of the core (registered by the app's autodiscovery). Thin: an outbox job's id
in, ``outbox.run``; or the sweep."""

from celery import shared_task
from django.conf import settings

from npm_tracker.core import integrity, outbox, webhooks


@shared_task(
    name="npm_tracker.deliver_webhook_job",
    acks_late=True,
    time_limit=settings.WEBHOOK_TIMEOUT_SECONDS + 30,
    soft_time_limit=settings.WEBHOOK_TIMEOUT_SECONDS + 20,
)
def deliver_webhook(job_id: str) -> str:
    return outbox.run(job_id)


@shared_task(name="npm_tracker.sweep_outbox", time_limit=120, soft_time_limit=100)
def sweep_outbox() -> dict:
    return outbox.sweep()


@shared_task(name="npm_tracker.seal_history", time_limit=600, soft_time_limit=580)
def seal_history() -> int:
    """Seal the history rows and case events written since the last run into the chains."""
    return integrity.seal()


@shared_task(name="npm_tracker.deliver_webhook")
def deliver_legacy(hook_id, event_id, event, occurred_at, object_type, object_id) -> str:
    """A delivery queued by the release before the outbox, still in the broker after an upgrade:
    it becomes an outbox job. (Removable once no such message can be left.)"""
    outbox.enqueue(
        webhooks.KIND,
        {
            "webhook": hook_id,
            "event_id": event_id,
            "event": event,
            "occurred_at": occurred_at,
            "object_type": object_type,
            "object_id": object_id,
        },
    )
    return "moved to the outbox"
