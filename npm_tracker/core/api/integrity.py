"""``GET /api/v1/integrity/roots/?date=YYYY-MM-DD``: the daily root of the caller's country's
hash chain over its history rows and case events (CONTRACT.md, "Tamper-evident history")."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from npm_tracker.core import integrity
from npm_tracker.core.models import COUNTRY_CODES, Country
from npm_tracker.core.scoping import user_country_ids


class RootQuery(serializers.Serializer):
    date = serializers.DateField(help_text="The day (in the country's time zone).")
    country = serializers.ChoiceField(
        choices=COUNTRY_CODES,
        required=False,
        help_text="Needed only by a staff member working for both countries.",
    )


class IntegrityRootView(APIView):
    @extend_schema(
        operation_id="integrity_roots",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, required=True),
            OpenApiParameter("country", OpenApiTypes.STR, enum=list(COUNTRY_CODES)),
        ],
        responses=inline_serializer(
            "IntegrityRoot",
            {
                "date": serializers.DateField(help_text="The day asked for."),
                "root": serializers.CharField(
                    allow_null=True,
                    help_text="SHA-256 (hex) chain hash of the last record written up to the "
                    "end of that day; null before the first.",
                ),
                "records": serializers.IntegerField(help_text="Records in the chain then."),
            },
        ),
    )
    def get(self, request):
        """The root of the hash chain over every case event and history row of the caller's
        country written up to the end of `date`. Kept by a recipient, it lets anyone check
        later that nothing recorded by that day was changed (`manage.py verify_history`)."""
        query = RootQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        ids = user_country_ids(request.user)
        countries = Country.objects.all() if ids is None else Country.objects.filter(pk__in=ids)
        code = query.validated_data.get("country")
        if code:
            countries = countries.filter(code=code)
        countries = list(countries)
        if len(countries) != 1:
            raise ValidationError(
                {"country": [_("Name one of your countries.") if countries else _("Not yours.")]}
            )
        return Response(integrity.root_of(countries[0], query.validated_data["date"]))
