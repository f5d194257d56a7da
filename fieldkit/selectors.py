"""What the field app takes with it into a facility: the vocabularies of the user's countries in
the user's language, the facilities it may visit, the team's planned visits and the rules of its
forms. Nothing about a person or an allegation is in it."""

from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cases.vocabularies import VOCABULARIES
from facilities.api.serializers import VisitSerializer
from facilities.choices import VisitStatus
from facilities.models import Country, Facility, Visit
from fieldkit.api import MAX_OPERATIONS
from fieldkit.models import Device
from fieldkit.rules import field_rules
from npm_tracker.core.api.base import etag_of
from npm_tracker.core.scoping import user_country_ids

# The vocabularies the forms choose from.
FIELD_VOCABULARIES = (
    "visit-types",
    "areas",
    "obstacles",
    "sources",
    "places-of-incident",
    "methods",
    "agencies",
)


def user_countries(user) -> list[Country]:
    ids = user_country_ids(user)
    countries = Country.objects.order_by("code")
    return list(countries if ids is None else countries.filter(pk__in=ids))


def field_vocabularies(user) -> dict[str, list[dict[str, Any]]]:
    """Items valid today, of the user's countries and the shared ones."""
    today = timezone.localdate()
    countries = user_countries(user)
    result: dict[str, list[dict[str, Any]]] = {
        "countries": [{"code": c.code, "name": c.name, "country": c.code} for c in countries]
    }
    for name in FIELD_VOCABULARIES:
        items = (
            VOCABULARIES[name]
            .objects.visible_to(user)
            .valid_on(today)
            .filter(Q(country__isnull=True) | Q(country__in=countries))
            .select_related("country")
        )
        result[name] = [
            {"code": i.code, "name": i.name, "country": i.country.code if i.country_id else None}
            for i in items
        ]
    return result


def field_facilities(user) -> list[dict[str, Any]]:
    rows = (
        Facility.objects.visible_to(user)
        .filter(is_active=True)
        .select_related("country", "facility_type", "region")
        .order_by("country__code", "name")
    )
    return [
        {
            "id": str(f.pk),
            "name": f.name,
            "country": f.country.code,
            "type": f.facility_type.name,
            "region": f.region.name if f.region_id else "",
        }
        for f in rows
    ]


def planned_visits(user, request) -> list[dict[str, Any]]:
    """The planned visits whose team the user is on, as the API shows them, with their ETag:
    the device starts such a visit by updating it."""
    visits = (
        Visit.objects.visible_to(user)
        .filter(status=VisitStatus.PLANNED, team__user=user)
        .select_related("visit_type", "facility")
        .prefetch_related("obstacles__obstacle_type")
        .order_by("started_on")
        .distinct()
    )
    context = {"request": request}
    return [
        {**VisitSerializer(visit, context=context).data, "etag": etag_of(visit)} for visit in visits
    ]


def field_data(user) -> dict[str, Any]:
    return {
        "user": {
            "username": user.get_username(),
            "name": user.get_full_name() or user.get_username(),
            "countries": [c.code for c in user_countries(user)],
        },
        "settings": {
            "pbkdf2_iterations": settings.FIELD_PBKDF2_ITERATIONS,
            "wipe_after_failures": settings.FIELD_WIPE_AFTER_FAILURES,
            "min_passphrase_length": settings.FIELD_MIN_PASSPHRASE_LENGTH,
            "session_seconds": settings.SESSION_COOKIE_AGE,
            "max_operations": MAX_OPERATIONS,
        },
        "vocabularies": field_vocabularies(user),
        "facilities": field_facilities(user),
        "rules": field_rules(),
    }


def device_state(user, device_id) -> dict[str, Any]:
    """What the server knows of one of the user's devices: revoked or not."""
    device = Device.objects.filter(pk=device_id).first() if device_id else None
    if device is None or device.user_id != user.pk:
        return {"known": False, "revoked": False}
    return {"known": True, "revoked": device.revoked_at is not None}
