"""The OAuth2 token endpoint (``/o/token/``) with a limit on failed attempts: guessing a client
secret is slowed down per client id and per address. After ``TOKEN_FAILURE_LIMIT`` failures in
``TOKEN_FAILURE_WINDOW_SECONDS`` the endpoint answers 429 (problem+json, ``Retry-After``) for
that client id or that address until the window has passed — even to the right secret. While
Redis is away the failures are counted per process (``fallback_cache``): never unlimited."""

import base64
import binascii

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider.views import TokenView

from npm_tracker.core.access import client_ip
from npm_tracker.core.api import fallback_cache
from npm_tracker.core.api.errors import PROBLEM, problem_body


def _client_id(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode("utf-8").split(":", 1)[0]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return str(request.POST.get("client_id", ""))[:200]


def _keys(request) -> list[str]:
    keys = [f"oauth-token-failures:ip:{client_ip(request) or '-'}"]
    client_id = _client_id(request)
    if client_id:
        keys.append(f"oauth-token-failures:client:{client_id}")
    return keys


def _locked(keys: list[str]) -> bool:
    return fallback_cache.run(
        lambda cache: any(cache.get(key, 0) >= settings.TOKEN_FAILURE_LIMIT for key in keys)
    )


def _count_failure(keys: list[str], window: int) -> None:
    def count(cache) -> None:
        for key in keys:
            if cache.add(key, 1, timeout=window) is False:
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=window)

    fallback_cache.run(count)


class ThrottledTokenView(TokenView):
    def post(self, request, *args, **kwargs):
        keys = _keys(request)
        window = settings.TOKEN_FAILURE_WINDOW_SECONDS
        if _locked(keys):
            detail = _("Too many failed attempts: try again in %(seconds)d seconds.")
            body = problem_body(429, detail=detail % {"seconds": window})
            response = JsonResponse(body, status=429, content_type=PROBLEM)
            response["Retry-After"] = str(window)
            return response
        response = super().post(request, *args, **kwargs)
        if response.status_code in (400, 401):
            _count_failure(keys, window)
        return response
