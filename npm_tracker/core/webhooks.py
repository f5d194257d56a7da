"""Webhooks: events of the domain announced to partners as signed POSTs with ids only.

Each delivery is signed twice with the webhook's secret: ``X-NPM-Signature: sha256=<hex>`` over
the body (the contract's header), and ``X-NPM-Signature-Timestamped: t=<unix>,v1=<hex>`` over
``"<t>.<body>"``, so that a receiver can refuse a replayed delivery by its age (``verify``).
After ``rotate_secret`` the old secret adds a second ``v1=`` for ``WEBHOOK_SECRET_OVERLAP_HOURS``.
``ping`` sends a test event to one webhook; ``redeliver`` sends a logged event again.

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
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from npm_tracker.core import netguard, outbox
from npm_tracker.core.models import Webhook, WebhookDelivery

EVENTS = ("allegation.created", "referral.status_changed", "referral.overdue", "report.ready")
# Sent on request to one webhook (``ping``), whatever it subscribed to.
PING = "webhook.ping"
LOGGED_EVENTS = (*EVENTS, PING)
MAX_ATTEMPTS = 6
TIMESTAMPED = "X-NPM-Signature-Timestamped"
REPLAY_TOLERANCE_SECONDS = 300


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + _hmac(secret, body)


def sign_timestamped(secrets_: list[str], body: bytes, timestamp: int) -> str:
    """``t=<timestamp>,v1=<hex>[,v1=<hex>]``: one signature per secret in force."""
    message = f"{timestamp}.".encode() + body
    return ",".join([f"t={timestamp}", *(f"v1={_hmac(secret, message)}" for secret in secrets_)])


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = REPLAY_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does with ``X-NPM-Signature-Timestamped``: true when one ``v1`` is the
    signature of ``body`` with ``secret`` and ``t`` is within ``tolerance`` seconds of now."""
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _sep, value in parts if key.strip() == "t"]
    signatures = [value.strip() for key, _sep, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    timestamp = int(stamps[0])
    current = timezone.now().timestamp() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _hmac(secret, f"{timestamp}.".encode() + body)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)


def secrets_in_force(hook: Webhook, now) -> list[str]:
    """The secret, and the one it replaced while its overlap lasts."""
    keep_previous = (
        hook.previous_secret and hook.previous_secret_until and hook.previous_secret_until > now
    )
    return [hook.secret, *([hook.previous_secret] if keep_previous else [])]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def emit(event: str, *, country_id, object_type: str, object_id, prosecutor_office_id=None) -> int:
    """Queue ``event`` for every active webhook of the country subscribed to it. The deliveries
    start only if the caller's transaction commits. Returns how many were queued."""
    return emit_many(
        event,
        country_id=country_id,
        object_type=object_type,
        object_ids=[object_id],
        prosecutor_office_id=prosecutor_office_id,
    )


def emit_many(
    event: str, *, country_id, object_type: str, object_ids, prosecutor_office_id=None
) -> int:
    """``emit`` for several objects of one country, reading the country's webhooks once: one
    outbox job per webhook and object, written in the caller's transaction.

    A webhook of a prosecutor's office client hears only of that office's referrals: events of
    a referral name its office (``prosecutor_office_id``); other events reach no such webhook."""
    if not object_ids:
        return 0
    hooks = Webhook.objects.filter(country_id=country_id, is_active=True, events__contains=[event])
    bound = Q(prosecutor_office__isnull=True)
    if prosecutor_office_id is not None:
        bound |= Q(prosecutor_office_id=prosecutor_office_id)
    hooks = hooks.filter(bound)
    occurred_at = timezone.now().isoformat()
    payloads = [
        _payload(hook_id, event, object_type, object_id, occurred_at)
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
    done = WebhookDelivery.objects.filter(webhook=hook, event_id=event_id, succeeded=True)
    if "redelivery_of" in payload:
        # Asked for again: only an attempt since that request counts as done.
        done = done.filter(created_at__gte=payload["redelivery_of"])
    if done.exists():
        return
    now = timezone.now()
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
                TIMESTAMPED: sign_timestamped(
                    secrets_in_force(hook, now), body, int(now.timestamp())
                ),
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
        occurred_at=payload["occurred_at"],
        object_type=payload["object_type"],
        object_id=payload["object_id"],
        attempt=payload.get("attempts_before", 0) + attempt,
        response_status=status,
        error=error[:500] if error else ("" if succeeded else f"HTTP {status}"),
        succeeded=succeeded,
    )
    if not succeeded:
        raise outbox.Retry(error or f"HTTP {status}")


def _payload(hook_id, event: str, object_type: str, object_id, occurred_at: str) -> dict:
    return {
        "webhook": str(hook_id),
        "event_id": str(uuid.uuid4()),
        "event": event,
        "occurred_at": occurred_at,
        "object_type": object_type,
        "object_id": str(object_id),
    }


def ping(hook: Webhook) -> str:
    """Queue a ``webhook.ping`` event to ``hook`` (its object is the webhook itself), signed
    and logged like any delivery. Returns the event's id."""
    payload = _payload(hook.pk, PING, "webhook", hook.pk, timezone.now().isoformat())
    outbox.enqueue(KIND, payload)
    return payload["event_id"]


class NotRedeliverable(Exception):
    """The event was logged before deliveries kept what they carried."""


def redeliver(hook: Webhook, event_id) -> str:
    """Queue the logged event ``event_id`` to ``hook`` again, as it was first sent (same event
    id, same body), with fresh signatures; it is retried like any delivery and its attempts
    continue the log's numbering. ``WebhookDelivery.DoesNotExist`` if ``hook`` has no such
    event in its log."""
    last = WebhookDelivery.objects.filter(webhook=hook, event_id=event_id).latest("attempt", "id")
    if last.occurred_at is None or not last.object_type:
        raise NotRedeliverable(event_id)
    event = str(last.event_id)
    payload = {
        **_payload(
            hook.pk, last.event, last.object_type, last.object_id, last.occurred_at.isoformat()
        ),
        "event_id": event,
        "redelivery_of": timezone.now().isoformat(),
        "attempts_before": last.attempt,
    }
    outbox.enqueue(KIND, payload)
    return event


def rotate_secret(hook: Webhook) -> Webhook:
    """Give ``hook`` a new secret; the old one keeps signing beside it (a second ``v1``) for
    ``WEBHOOK_SECRET_OVERLAP_HOURS``, so that the receiver can switch without losing events."""
    now = timezone.now()
    hook.previous_secret = hook.secret
    hook.previous_secret_until = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    hook.secret = new_secret()
    hook.save(update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"])
    return hook


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
