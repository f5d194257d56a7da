"""Rate limit per calling client (or staff user), not per address."""

from rest_framework.throttling import SimpleRateThrottle

from npm_tracker.core.api.auth import ClientPrincipal


class PerClientThrottle(SimpleRateThrottle):
    scope = "client"

    def get_cache_key(self, request, view):
        user = request.user
        if isinstance(user, ClientPrincipal):
            ident = user.throttle_key
        elif user is not None and getattr(user, "is_authenticated", False):
            ident = f"user:{user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
