"""``GET /api/v1/vocabularies/{name}/``: the controlled vocabularies, labels in the caller's
language (``Accept-Language``)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Method
from cases.vocabularies import CHOICE_VOCABULARIES, VOCABULARIES
from facilities.models import Country
from npm_tracker.core.api.base import ScopedFilterSet, UtcDateTimeFilter
from npm_tracker.core.api.filters import invalid_filter
from npm_tracker.core.models import COUNTRY_CODES

ITEM = inline_serializer(
    "VocabularyItem",
    {
        "code": serializers.CharField(help_text="The stable code, used in every other field."),
        "name": serializers.CharField(help_text="The label, in the caller's language."),
        "country": serializers.ChoiceField(
            choices=COUNTRY_CODES,
            allow_null=True,
            help_text="The country the item belongs to; null when both share it.",
        ),
        "valid_from": serializers.DateField(
            allow_null=True, help_text="The first day the item is valid, or null."
        ),
        "valid_to": serializers.DateField(
            allow_null=True, help_text="The last day the item is valid, or null."
        ),
        "updated_at": serializers.DateTimeField(
            allow_null=True, help_text="When the item last changed; null for the fixed lists."
        ),
    },
)


class VocabularyFilter(ScopedFilterSet):
    """The filters of every vocabulary, read strictly like those of the other lists."""

    country = django_filters.CharFilter(method="filter_country")
    on = django_filters.DateFilter(method="filter_on")
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    def filter_country(self, queryset, name, value):
        return queryset.for_country(Country.objects.get(code=value.upper()))

    def filter_on(self, queryset, name, value):
        return queryset.valid_on(value)

    def is_valid(self):
        valid = super().is_valid()
        code = self.form.cleaned_data.get("country")
        if code and not Country.objects.filter(code=code.upper()).exists():
            self.form.add_error("country", _("Unknown country code."))
        return valid and not self.form.errors


class VocabularyView(APIView):
    # A prosecutor's office client reads the codes its referrals and their events speak.
    prosecutor_actions = ("get",)

    @extend_schema(
        operation_id="vocabularies_list",
        parameters=[
            OpenApiParameter(
                "name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=sorted([*VOCABULARIES, *CHOICE_VOCABULARIES]),
            ),
            OpenApiParameter("country", OpenApiTypes.STR, enum=list(COUNTRY_CODES)),
            OpenApiParameter("on", OpenApiTypes.DATE, description="Only items valid that day."),
            OpenApiParameter(
                "updated_since",
                OpenApiTypes.DATETIME,
                description="Only items changed since then (the fixed lists always answer whole).",
            ),
        ],
        responses=inline_serializer(
            "VocabularyList",
            {
                "next": serializers.CharField(
                    allow_null=True, help_text="Always null: one page holds every item."
                ),
                "previous": serializers.CharField(
                    allow_null=True, help_text="Always null: one page holds every item."
                ),
                "results": ITEM.__class__(many=True, help_text="The items, by code."),
            },
        ),
    )
    def get(self, request, name):
        """The items of one controlled vocabulary: their stable codes, and their names in the
        language of `Accept-Language`. `country` gives that country's items and the shared ones
        (`country` null); `on` only those valid that day. One page holds them all."""
        model = VOCABULARIES.get(name)
        if model is None and name not in CHOICE_VOCABULARIES:
            raise NotFound()
        filterset = VocabularyFilter(
            request.query_params,
            (model or Method).objects.visible_to(request.user).select_related("country"),
            request=request,
        )
        if not filterset.is_valid():
            raise invalid_filter(filterset.errors)
        if model is None:
            items = [
                {
                    "code": code,
                    "name": str(label),
                    "country": None,
                    "valid_from": None,
                    "valid_to": None,
                    "updated_at": None,
                }
                for code, label in CHOICE_VOCABULARIES[name].choices
            ]
            return Response({"next": None, "previous": None, "results": items})
        items = [
            {
                "code": item.code,
                "name": item.name,
                "country": item.country.code if item.country_id else None,
                "valid_from": item.valid_from,
                "valid_to": item.valid_to,
                "updated_at": item.updated_at,
            }
            for item in filterset.qs
        ]
        return Response({"next": None, "previous": None, "results": items})
