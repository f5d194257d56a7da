"""Spreadsheet columns of the allegation list (export only).

The victim's identity and the injuries are exported only for the allegations whose identity the
user's role shows (``roles.sees_identity``, as on the allegation's page and in the API), and
each allegation exported with them is logged as a read of that data.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from cases.models import CONFIDENTIAL_FIELDS, Allegation, Method, Victim
from npm_tracker.core import roles
from npm_tracker.core.spreadsheets import (
    DateTimeWidget,
    DayWidget,
    ScopedResource,
    column,
    widget_for,
)


class NamesWidget(widgets.Widget):
    """Several related records, by name, separated by semicolons (export only)."""

    def render(self, value, obj=None, **kwargs):
        return "; ".join(str(item) for item in value.all()) if value is not None else ""


def victim_column(attribute: str) -> fields.Field:
    return fields.Field(
        attribute=f"victim__{attribute}",
        column_name=f"victim_{attribute}",
        widget=widget_for(Victim._meta.get_field(attribute)),
        readonly=True,
    )


VICTIM_IDENTITY = ("full_name", "date_of_birth", "citizenship")
# The identity of the API's victim block (cases/api/serializers.py); contact details never leave
# the allegation's page.


class AllegationResource(ScopedResource):
    reference = column(Allegation, "reference")
    country = column(Allegation, "country")
    received_at = column(Allegation, "received_at", widget=DateTimeWidget())
    source = column(Allegation, "source")
    facility = column(Allegation, "facility")
    visit = fields.Field(
        attribute="visit__started_on", column_name="visit_date", widget=DayWidget(), readonly=True
    )
    place_of_incident = column(Allegation, "place_of_incident")
    incident_date = column(Allegation, "incident_date")
    methods = fields.Field(attribute="methods", column_name="methods", widget=NamesWidget())
    summary = column(Allegation, "summary")
    injuries = column(Allegation, "injuries")
    death_in_custody = column(Allegation, "death_in_custody")
    serious_injury = column(Allegation, "serious_injury")
    urgent = column(Allegation, "urgent")
    reprisal_risk = column(Allegation, "reprisal_risk")
    status = column(Allegation, "status")
    assigned_officer = column(Allegation, "assigned_officer")
    victim_pseudonym = victim_column("pseudonym")
    victim_sex = victim_column("sex")
    victim_is_minor = victim_column("is_minor")
    victim_full_name = victim_column("full_name")
    victim_date_of_birth = victim_column("date_of_birth")
    victim_citizenship = victim_column("citizenship")

    confidential_columns = {
        **dict.fromkeys(CONFIDENTIAL_FIELDS[Allegation], "medical"),
        **{f"victim_{name}": "identity" for name in VICTIM_IDENTITY},
    }

    class Meta:
        model = Allegation
        name = _("Allegations")
        fields = (
            "reference",
            "country",
            "received_at",
            "source",
            "facility",
            "visit",
            "place_of_incident",
            "incident_date",
            "methods",
            "summary",
            "injuries",
            "death_in_custody",
            "serious_injury",
            "urgent",
            "reprisal_risk",
            "status",
            "assigned_officer",
            "victim_pseudonym",
            "victim_sex",
            "victim_is_minor",
            "victim_full_name",
            "victim_date_of_birth",
            "victim_citizenship",
        )
        export_order = fields

    def shows_confidential(self, obj) -> bool:
        return roles.sees_identity(self.user, obj)

    def export_queryset(self, queryset):
        return queryset.select_related("victim", "visit", "assigned_officer").prefetch_related(
            Prefetch("methods", queryset=Method.objects.order_by("sort_order", "code"))
        )
