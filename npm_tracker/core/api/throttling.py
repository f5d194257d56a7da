"""Rate limit per calling client (or staff user), not per address, counted in Redis (or per
process while Redis is away: ``fallback_cache``). What is left of the budget is told to
authenticated callers in ``X-RateLimit-*`` headers (``RateLimitHeadersMiddleware``)."""

import math

from rest_framework.throttling import SimpleRateThrottle

from npm_tracker.core.api import fallback_cache
from npm_tracker.core.api.auth import ClientPrincipal

# Set on the Django request by the throttle, read by the middleware that writes the headers.
REQUEST_ATTRIBUTE = "npm_rate_limit"


class PerClientThrottle(SimpleRateThrottle):
    scope = "client"
    num_requests: int
    duration: int

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ClientPrincipal):
            ident = user.throttle_key
        elif user is not None and getattr(user, "is_authenticated", False):
            ident = f"user:{user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        def attempt(cache):
            self.cache = cache
            return SimpleRateThrottle.allow_request(self, request, view)

        allowed = fallback_cache.run(attempt)
        user = request.user
        if self.rate is not None and getattr(user, "is_authenticated", False):
            setattr(request._request, REQUEST_ATTRIBUTE, self._budget(allowed))
        return allowed

    def _budget(self, allowed: bool) -> dict[str, int]:
        """The limit, what is left of it, and the seconds until all of it is available again
        (the newest counted request leaves the window)."""
        history = getattr(self, "history", [])
        remaining = max(self.num_requests - len(history), 0) if allowed else 0
        reset = history[0] + self.duration - self.now if history else 0
        return {"limit": self.num_requests, "remaining": remaining, "reset": math.ceil(reset)}
