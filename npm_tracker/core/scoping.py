"""Row-level visibility, defined once.

Every staff user works for one or more countries (their ``StaffProfile``); each domain model
names the path from itself to its country in ``country_field``, and ``visible_to(user)`` keeps
only rows of the user's countries. The admin, forms, autocomplete and (later) the API and
reports all call it, so a record outside a user's scope does not exist for them. Roles narrow
it further, in one place: ``npm_tracker.core.roles``.
"""

from django.db import models
from django.db.models import Q


def user_country_ids(user) -> frozenset | None:
    """Primary keys of the countries the user may see; ``None`` means every country.

    Cached on the user object for the length of a request.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_npm_country_ids", None)
    if cached is None:
        from npm_tracker.core.models import StaffProfile

        cached = frozenset(
            StaffProfile.countries.through.objects.filter(staffprofile__user=user).values_list(
                "country_id", flat=True
            )
        )
        user._npm_country_ids = cached
    return cached


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to keep only what a user may see."""

    def visible_to(self, user):
        country_field = getattr(self.model, "country_field", None)
        if country_field is None:
            return self
        from npm_tracker.core.roles import role_filter

        queryset = self
        ids = user_country_ids(user)
        if ids is not None:
            condition = Q(**{f"{country_field}__in": ids})
            if getattr(self.model, "shared_when_country_is_null", False):
                condition |= Q(**{f"{country_field}__isnull": True})
            queryset = queryset.filter(condition)
        rule = role_filter(self.model, user)
        return queryset if rule is None else queryset.filter(rule)


class CountryReader:
    """A system reader limited to some countries (a report being rendered, a scheduled task):
    the selectors written for users see exactly those countries through ``visible_to``."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_superuser = False
    is_staff = False
    pk = None

    def __init__(self, *country_ids):
        self._npm_country_ids = frozenset(country_ids)
