"""``GET /api/v1/vocabularies/{name}/``: the controlled vocabularies, labels in the caller's
language (``Accept-Language``)."""

from datetime import date

from django.utils.dateparse import parse_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.choices import ReferralEventKind
from cases.models import AllegationSource, Method, PlaceOfIncident, ProsecutorOffice
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    FacilityType,
    ObstacleType,
    Region,
    VisitType,
)

VOCABULARIES = {
    "facility-types": FacilityType,
    "agencies": Agency,
    "regions": Region,
    "visit-types": VisitType,
    "methods": Method,
    "sources": AllegationSource,
    "places-of-incident": PlaceOfIncident,
    "areas": ExaminedArea,
    "obstacles": ObstacleType,
    "prosecutor-offices": ProsecutorOffice,
}
CHOICE_VOCABULARIES = {"referral-events": ReferralEventKind}

ITEM = inline_serializer(
    "VocabularyItem",
    {
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "country": serializers.CharField(allow_null=True),
        "valid_from": serializers.DateField(allow_null=True),
        "valid_to": serializers.DateField(allow_null=True),
    },
)


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
            OpenApiParameter("country", OpenApiTypes.STR, enum=["KZ", "KG"]),
            OpenApiParameter("on", OpenApiTypes.DATE, description="Only items valid that day."),
        ],
        responses=inline_serializer(
            "VocabularyList",
            {
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": ITEM.__class__(many=True),
            },
        ),
    )
    def get(self, request, name):
        if name in CHOICE_VOCABULARIES:
            items = [
                {
                    "code": code,
                    "name": str(label),
                    "country": None,
                    "valid_from": None,
                    "valid_to": None,
                }
                for code, label in CHOICE_VOCABULARIES[name].choices
            ]
            return Response({"next": None, "previous": None, "results": items})
        model = VOCABULARIES.get(name)
        if model is None:
            raise NotFound()
        queryset = model.objects.visible_to(request.user).select_related("country")
        country_code = request.query_params.get("country")
        if country_code:
            country = Country.objects.filter(code=country_code.upper()).first()
            if country is None:
                raise ValidationError({"country": ["Unknown country code."]})
            queryset = queryset.for_country(country)
        on = request.query_params.get("on")
        if on:
            day = parse_date(on) if isinstance(on, str) else None
            if not isinstance(day, date):
                raise ValidationError({"on": ["Give a date as YYYY-MM-DD."]})
            queryset = queryset.valid_on(day)
        items = [
            {
                "code": item.code,
                "name": item.name,
                "country": item.country.code if item.country_id else None,
                "valid_from": item.valid_from,
                "valid_to": item.valid_to,
            }
            for item in queryset
        ]
        return Response({"next": None, "previous": None, "results": items})
