"""The field app at ``/field/``: its shell, manifest, service worker, modules and translations,
and the few endpoints of its own (what it takes offline, the session check, the device's
report of its queue). Its work reaches the server through ``POST /api/v1/sync/`` alone.

The shell, the modules and the catalogs carry nothing about anybody and may be cached by the
service worker; what the app stores of a visit lives encrypted in the browser's IndexedDB
(docs/field.md)."""

import hashlib
import json
import mimetypes
from datetime import UTC
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from fieldkit import selectors, services
from fieldkit.api import SyncRefused
from npm_tracker.core.api.auth import StaffSessionAuthentication, caller_label
from npm_tracker.core.api.base import JsonUUIDField

APP_DIR = Path(__file__).resolve().parent / "app"
LANGUAGES = {code for code, _name in settings.LANGUAGES}
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


@cache
def assets() -> dict[str, bytes]:
    """The app's files (the service worker apart), read once per process."""
    return {
        path.name: path.read_bytes()
        for path in sorted(APP_DIR.iterdir())
        if path.suffix in TYPES and path.name != "sw.js"
    }


@cache
def version() -> str:
    """Changes whenever a file of the app or the service worker does: a new version replaces
    the cached shell."""
    digest = hashlib.sha256((APP_DIR / "sw.js").read_bytes())
    for name, content in assets().items():
        digest.update(name.encode() + b"\0" + content)
    return digest.hexdigest()[:16]


def field_user_required(view):
    """Logged in to the admin (with two-factor where required), as for every staff page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not admin.site.has_permission(request):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@never_cache
@field_user_required
def shell(request):
    language = translation.get_language()
    return render(
        request,
        "fieldkit/shell.html",
        {"language": language if language in LANGUAGES else settings.LANGUAGE_CODE},
    )


@require_GET
def manifest(request):
    body = {
        "name": _("NPM Tracker field kit"),
        "short_name": _("Field kit"),
        "start_url": "/field/",
        "scope": "/field/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "icons": [{"src": "/field/app/icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(body, content_type="application/manifest+json")


@require_GET
def service_worker(request):
    """The service worker, with the version of the files it caches."""
    shell_files = ["/field/", "/field/manifest.webmanifest", "/field/data/"]
    shell_files += [f"/field/app/{name}" for name in assets()]
    shell_files += [f"/field/i18n/{code}.js" for code in sorted(LANGUAGES)]
    head = f"const VERSION = {json.dumps(version())};\nconst SHELL = {json.dumps(shell_files)};\n"
    response = HttpResponse(
        head.encode() + (APP_DIR / "sw.js").read_bytes(), content_type="text/javascript"
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/field/"
    return response


@require_GET
def asset(request, name: str):
    content = assets().get(name)
    if content is None:
        raise Http404()
    kind = TYPES.get(Path(name).suffix) or mimetypes.guess_type(name)[0] or "text/plain"
    response = HttpResponse(content, content_type=kind)
    response["Cache-Control"] = "no-cache"
    response["ETag"] = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    return response


@require_GET
def catalog(request, language: str):
    """The app's translations in one language (Django's JavaScript catalog, domain djangojs)."""
    if language not in LANGUAGES:
        raise Http404()
    with translation.override(language):
        return JavaScriptCatalog.as_view(domain="djangojs", packages=["fieldkit"])(request)


class FieldView(APIView):
    """An endpoint of the field app: a staff member's session only (after two-factor), never a
    partner's token; not part of the partner API."""

    authentication_classes = [StaffSessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    schema = None
    throttle_classes: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not admin.site.has_permission(request._request):
            self.permission_denied(request)


class DataView(FieldView):
    """What the app takes offline (cached by its service worker): vocabularies, facilities,
    the rules of its forms, the settings of its lock."""

    def get(self, request):
        return Response(selectors.field_data(request.user))


class PlannedView(FieldView):
    """The team's planned visits, with their ETags; the app keeps them encrypted."""

    def get(self, request):
        return Response({"results": selectors.planned_visits(request.user, request)})


class SessionView(FieldView):
    """Checked before every sync: the session still holds (else 403 and the app asks for a
    login), the CSRF token the sync needs, and whether the device was revoked."""

    def get(self, request):
        device = request.query_params.get("device")
        state = selectors.device_state(request.user, device)
        expires = request.session.get_expiry_date()
        return Response(
            {
                "csrf_token": get_token(request._request),
                "username": request.user.get_username(),
                "expires_at": expires.astimezone(UTC).isoformat(),
                "device": state,
            }
        )


class StatusSerializer(serializers.Serializer):
    device = JsonUUIDField()
    pending = serializers.IntegerField(min_value=0, max_value=1_000_000)


class StatusView(FieldView):
    """The device reports how many operations wait on it; the admin's device list shows it."""

    def post(self, request):
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            device = services.device_status(
                device_id=serializer.validated_data["device"],
                owner=caller_label(request.user),
                user=request.user,
                pending=serializer.validated_data["pending"],
            )
        except services.DeviceOfAnother:
            raise SyncRefused(_("This device belongs to another user.")) from None
        return Response({"device": {"known": True, "revoked": device.revoked_at is not None}})
