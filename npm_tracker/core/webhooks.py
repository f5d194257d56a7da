"""Webhooks: events of the domain announced to partners as signed POSTs with ids only.

``emit`` is called by the services when something happens; delivery runs in Celery after the
transaction commits, with retries and exponential backoff; every attempt is logged. Where a
delivery may go is decided by ``netguard`` (public endpoints, the checked address, no redirects).
"""

import hashlib
import hmac
import json
import secrets
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from npm_tracker.core import netguard
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
    """``emit`` for several objects of one country, reading the country's webhooks once."""
    if not object_ids:
        return 0
    hooks = Webhook.objects.filter(country_id=country_id, is_active=True, events__contains=[event])
    occurred_at = timezone.now().isoformat()
    count = 0
    for hook_id in hooks.values_list("pk", flat=True):
        for object_id in object_ids:
            deliver.delay_on_commit(
                str(hook_id), str(uuid.uuid4()), event, occurred_at, object_type, str(object_id)
            )
            count += 1
    return count


@shared_task(
    name="npm_tracker.deliver_webhook",
    bind=True,
    max_retries=MAX_ATTEMPTS - 1,
    time_limit=60,
    soft_time_limit=50,
    acks_late=True,
)
def deliver(self, hook_id, event_id, event, occurred_at, object_type, object_id):
    """POST one event; on failure log the attempt and retry with exponential backoff."""
    hook = Webhook.objects.filter(pk=hook_id, is_active=True).first()
    if hook is None:
        return "inactive"
    attempt = self.request.retries + 1
    if WebhookDelivery.objects.filter(event_id=event_id, succeeded=True).exists():
        return "already delivered"
    body = json.dumps(
        {
            "event": event,
            "occurred_at": occurred_at,
            "object": {"type": object_type, "id": object_id},
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
                "X-NPM-Event": event,
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
    with transaction.atomic():
        WebhookDelivery.objects.create(
            webhook=hook,
            event_id=event_id,
            event=event,
            attempt=attempt,
            response_status=status,
            error=error[:500] if error else ("" if succeeded else f"HTTP {status}"),
            succeeded=succeeded,
        )
    if not succeeded:
        countdown = settings.WEBHOOK_BACKOFF_SECONDS * (2 ** (attempt - 1))
        raise self.retry(countdown=countdown)
    return "delivered"
