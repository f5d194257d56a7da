"""Request middleware of the project."""

import zoneinfo

from django.utils import timezone

from npm_tracker.core.api.throttling import REQUEST_ATTRIBUTE
from npm_tracker.core.models import Country
from npm_tracker.core.scoping import user_country_ids


class CountryTimezoneMiddleware:
    """Show date-times in the time zone of the staff user's country (stored in UTC).

    A user working for one country sees its zone (Asia/Almaty, Asia/Bishkek); a user of several
    countries keeps the project's default zone.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        ids = user_country_ids(user) if user is not None else frozenset()
        if ids is not None and len(ids) == 1:
            zone = Country.objects.filter(pk=next(iter(ids))).values_list("timezone", flat=True)
            name = zone.first()
            if name:
                timezone.activate(zoneinfo.ZoneInfo(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class NoStoreMiddleware:
    """Nothing a logged-in user or an API client sees is kept by a browser or a proxy cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        if authenticated or "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class PermissionsPolicyMiddleware:
    """Every response denies the browser features the system never uses (camera, microphone,
    location, payment, USB...): ``PERMISSIONS_POLICY`` in the settings."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response


class RateLimitHeadersMiddleware:
    """An authenticated API caller is told its rate limit on every answer that counted against
    it (errors and 429 included): ``X-RateLimit-Limit`` requests per window,
    ``X-RateLimit-Remaining`` of them, and ``X-RateLimit-Reset`` seconds until all are available
    again. The numbers come from the throttle (``core.api.throttling``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        budget = getattr(request, REQUEST_ATTRIBUTE, None)
        if budget is not None:
            response["X-RateLimit-Limit"] = str(budget["limit"])
            response["X-RateLimit-Remaining"] = str(budget["remaining"])
            response["X-RateLimit-Reset"] = str(budget["reset"])
        return response
