"""Small views of the project itself."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness and database reachability, for the deployment's health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def set_language(request):
    """Switch the interface language (Django's view) and keep the choice on the staff user's
    profile, which also decides the language of their e-mails."""
    from django.conf import settings
    from django.views.i18n import set_language as django_set_language

    from npm_tracker.core.models import StaffProfile

    response = django_set_language(request)
    language = request.POST.get("language")
    user = getattr(request, "user", None)
    if (
        request.method == "POST"
        and user is not None
        and user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        StaffProfile.objects.filter(user=user).update(preferred_language=language)
    return response
