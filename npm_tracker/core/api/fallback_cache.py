"""The shared cache (Redis) for the counters that protect the API: the rate limit per caller and
the token endpoint's failed-attempt counter.

When Redis cannot be reached (refused, timed out, still loading its data, read-only), the same
operation is done on a cache local to the process, so a request is limited per process instead
of answering 500 (intake goes on while PostgreSQL is healthy) and guessing is never unlimited.
A warning is logged at most once per ``WARN_EVERY_SECONDS``; Redis is tried again after
``RETRY_SECONDS`` and used again as soon as it answers (counts made meanwhile stay local)."""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache as shared
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError

T = TypeVar("T")
log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0
# Least recently used entries go first when full: an active caller's counter is never dropped.
local = LocMemCache("npm-tracker-fallback", {"OPTIONS": {"MAX_ENTRIES": 50_000}})


class _Outage:
    """What this process knows of Redis: down until when, warned when."""

    lock = threading.Lock()
    down = False
    retry_at = 0.0
    warned_at: float | None = None


def reset() -> None:
    """Forget an outage (tests)."""
    with _Outage.lock:
        _Outage.down, _Outage.retry_at, _Outage.warned_at = False, 0.0, None
    local.clear()


def _note_down(error: Exception, now: float) -> None:
    with _Outage.lock:
        _Outage.down, _Outage.retry_at = True, now + RETRY_SECONDS
        if _Outage.warned_at is not None and now - _Outage.warned_at < WARN_EVERY_SECONDS:
            return
        _Outage.warned_at = now
    log.warning(
        "Redis cannot be reached (%s): rate limits and failed-attempt counters are kept per "
        "process until it answers again.",
        error,
    )


def run(operation: Callable[[BaseCache], T]) -> T:
    """``operation(cache)`` on Redis, or on the local cache while Redis cannot be reached."""
    now = time.monotonic()
    if now >= _Outage.retry_at:
        try:
            result = operation(shared)
        except (RedisError, OSError) as error:
            _note_down(error, now)
        else:
            if _Outage.down:
                _Outage.down = False
                log.info("Redis answers again: rate limits are shared again.")
            return result
    return operation(local)
