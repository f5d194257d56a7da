"""Webhooks: events of the domain announced to partners as signed POSTs with ids only.

``emit`` is called by the services when something happens: each delivery is an outbox job
written in the service's transaction, run by Celery after it commits, retried with exponential
backoff after any failure; every attempt is logged. Where a
delivery may go is decided by ``netguard`` (public endpoints, the checked address, no redirects).
"""

import hashlib
import hmac
import json
import secrets
import uuid

from django.conf import settings
from django.utils import timezone

from npm_tracker.core import netguard, outbox
from npm_tracker.core.models import Webhook, WebhookDelivery

EVENTS = ("allegation.created", "referral.status_changed", "referral.overdue", "report.ready")
MAX_ATTEMPTS = 6


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def emit(event: str, *, country_id, object_type: str, object_id) -> int:
    """Queue ``event`` for every active webhook of the country subscribed to it. The deliveries
    start only if the caller's transaction commits. Returns how many were queued."""
    return emit_many(event, country_id=country_id, object_type=object_type, object_ids=[object_id])


def emit_many(event: str, *, country_id, object_type: str, object_ids) -> int:
    """``emit`` for several objects of one country, reading the country's webhooks once: one
    outbox job per webhook and object, written in the caller's transaction."""
    if not object_ids:
        return 0
    hooks = Webhook.objects.filter(country_id=country_id, is_active=True, events__contains=[event])
    occurred_at = timezone.now().isoformat()
    payloads = [
        {
            "webhook": str(hook_id),
            "event_id": str(uuid.uuid4()),
            "event": event,
            "occurred_at": occurred_at,
            "object_type": object_type,
            "object_id": str(object_id),
        }
        for hook_id in hooks.values_list("pk", flat=True)
        for object_id in object_ids
    ]
    if payloads:
        outbox.enqueue_many(KIND, payloads)
    return len(payloads)


def deliver(payload: dict, attempt: int) -> None:
    """POST one event (an outbox job's handler); log the attempt; a failure raises, and the
    outbox tries again with exponential backoff."""
    hook = Webhook.objects.filter(pk=payload["webhook"], is_active=True).first()
    if hook is None:
        return  # deleted or deactivated meanwhile
    event_id = payload["event_id"]
    if WebhookDelivery.objects.filter(event_id=event_id, succeeded=True).exists():
        return
    body = json.dumps(
        {
            "event": payload["event"],
            "occurred_at": payload["occurred_at"],
            "object": {"type": payload["object_type"], "id": payload["object_id"]},
        },
        separators=(",", ":"),
    ).encode()
    status, error = None, ""
    try:
        status = netguard.post(
            netguard.destination(hook.url),
            body,
            {
                "Content-Type": "application/json",
                "X-NPM-Signature": sign(hook.secret, body),
                "X-NPM-Event": payload["event"],
                "X-NPM-Delivery": event_id,
            },
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
    except netguard.DestinationRefused as refused:
        # Checked again at every attempt: the name may point elsewhere since registration.
        error = f"refused: {refused.reason}"
    except netguard.DeliveryFailed as failed:
        error = str(failed)
    if status is not None and 300 <= status < 400:
        error = f"HTTP {status}: redirect not followed"
    succeeded = status is not None and 200 <= status < 300
    WebhookDelivery.objects.create(
        webhook=hook,
        event_id=event_id,
        event=payload["event"],
        attempt=attempt,
        response_status=status,
        error=error[:500] if error else ("" if succeeded else f"HTTP {status}"),
        succeeded=succeeded,
    )
    if not succeeded:
        raise outbox.Retry(error or f"HTTP {status}")


KIND = "webhook.deliver"
outbox.register(
    outbox.Kind(
        name=KIND,
        task="npm_tracker.deliver_webhook_job",
        handler="npm_tracker.core.webhooks.deliver",
        max_attempts=MAX_ATTEMPTS,
        lease_seconds=lambda: settings.WEBHOOK_TIMEOUT_SECONDS + 30,
        backoff_seconds=lambda attempt: settings.WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1),
    )
)
