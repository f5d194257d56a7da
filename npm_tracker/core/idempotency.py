"""Requests made safe to repeat with an ``Idempotency-Key`` (CONTRACT.md): the same key and body
answer the first result again, another body under the same key is refused, and two requests
racing with one key produce one result.

The key is claimed by an upsert inside the caller's transaction: a concurrent twin waits on the
row until the first commits, then reads its answer. A refused request rolls back its claim, so it
can be sent again with the same key.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.errors import DomainError, ErrorCode
from npm_tracker.core.models import IdempotencyKey

MAX_KEY_LENGTH = 200


def fingerprint(body: Any) -> str:
    """The hash that says whether two bodies are the same request."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def checked_key(key: str | None) -> str:
    key = (key or "").strip()
    if not key:
        raise DomainError(
            _("Send an Idempotency-Key header."), code=ErrorCode.IDEMPOTENCY_KEY_REQUIRED
        )
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": MAX_KEY_LENGTH},
            code=ErrorCode.INVALID,
            field="Idempotency-Key",
        )
    return key


@transaction.atomic
def once(
    *, caller: str, key: str | None, body: Any, run: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """Run ``run`` (which answers ``(status, body)``) once per caller and key; a repeat with the
    same body answers the stored result. Raises ``idempotency_conflict`` for another body."""
    key = checked_key(key)
    request_hash = fingerprint(body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO npm_tracker_idempotencykey (caller, key, request_hash, created_at)"
            " VALUES (%s, %s, %s, now()) ON CONFLICT (caller, key) DO NOTHING RETURNING id",
            [caller, key, request_hash],
        )
        claimed = cursor.fetchone()
    if claimed is None:
        stored = IdempotencyKey.objects.get(caller=caller, key=key)
        if stored.request_hash != request_hash:
            raise DomainError(
                _("This Idempotency-Key was used with another body."),
                code=ErrorCode.IDEMPOTENCY_CONFLICT,
            )
        return stored.response_status or 200, stored.response_body or {}
    status, answer = run()
    IdempotencyKey.objects.filter(pk=claimed[0]).update(
        response_status=status, response_body=answer
    )
    return status, answer
