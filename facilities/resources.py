"""Spreadsheet columns of the facility register, visits and recommendations (docs/spreadsheets.md).

Rows are saved through the same services as the admin forms; vocabularies are named by code or
by name in any of the four languages (``npm_tracker.core.spreadsheets``).
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from facilities import services
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    Facility,
    FacilityType,
    Recommendation,
    Region,
    Visit,
    VisitType,
)
from npm_tracker.core.scoping import user_country_ids
from npm_tracker.core.spreadsheets import (
    NAME_FIELDS,
    DayWidget,
    ImportResource,
    LookupWidget,
    _text,
    column,
)

# Agencies are also known by their short names (МВД, КУИС, ГКНБ).
AGENCY_KEYS = (
    "code",
    *NAME_FIELDS,
    "short_name_en",
    "short_name_ru",
    "short_name_kk",
    "short_name_ky",
)


class CountryWidget(LookupWidget):
    """A country by its code or name; left empty, the user's only country."""

    def __init__(self):
        super().__init__(Country, keys=("code", *NAME_FIELDS))

    def clean(self, value, row=None, **kwargs):
        if not _text(value):
            ids = user_country_ids(self.user)
            if ids is not None and len(ids) == 1:
                return Country.objects.get(pk=next(iter(ids)))
        return super().clean(value, row, **kwargs)


class FacilityResource(ImportResource):
    """The facility register."""

    name = column(Facility, "name")
    country = column(Facility, "country", widget=CountryWidget())
    region = column(Facility, "region", widget=LookupWidget(Region))
    facility_type = column(Facility, "facility_type", "type", widget=LookupWidget(FacilityType))
    agency = column(Facility, "agency", widget=LookupWidget(Agency, keys=AGENCY_KEYS))
    address = column(Facility, "address")
    capacity = column(Facility, "capacity")
    population = column(Facility, "population")
    security_level = column(Facility, "security_level")
    medical_care_agency = column(
        Facility, "medical_care_agency", widget=LookupWidget(Agency, keys=AGENCY_KEYS)
    )
    video_surveillance = column(Facility, "video_surveillance")
    complaint_terminal = column(Facility, "complaint_terminal")
    registered_on = column(Facility, "registered_on")
    is_active = column(Facility, "is_active", "active")
    notes = column(Facility, "notes")

    class Meta(ImportResource.Meta):
        model = Facility
        name = _("Facility register")
        fields = (
            "id",
            "name",
            "country",
            "region",
            "facility_type",
            "agency",
            "address",
            "capacity",
            "population",
            "security_level",
            "medical_care_agency",
            "video_surveillance",
            "complaint_terminal",
            "registered_on",
            "is_active",
            "notes",
        )
        import_order = fields
        export_order = fields

    def row_country_id(self, row):
        country = self.cell("country", row)
        return country.pk if country is not None else None

    def persist(self, instance):
        services.facility_save(actor=self.user, facility=instance)


class VisitOfFacilityWidget(DayWidget):
    """A visit named by its first day; the facility is the row's ``facility``."""

    def __init__(self):
        super().__init__()
        self.resource = None

    def clean(self, value, row=None, **kwargs):
        day = super().clean(value, row, **kwargs)
        if day is None:
            return None
        facility = self.resource.cell("facility", row)
        if facility is None:
            raise ValueError(gettext("Name the facility of the visit."))
        visit = (
            Visit.objects.visible_to(self.resource.user)
            .filter(facility=facility, started_on=day)
            .first()
        )
        if visit is None:
            raise ValueError(
                gettext("No visit to “%(facility)s” started on %(day)s.")
                % {"facility": facility, "day": day.isoformat()}
            )
        return visit

    def render(self, value, obj=None, **kwargs):
        return value.started_on.isoformat() if value is not None else ""


class VisitResource(ImportResource):
    """Monitoring visits, one per row; the NPM body in force is set by the service."""

    facility = column(Visit, "facility", widget=LookupWidget(Facility, keys=("pk", "name")))
    visit_type = column(Visit, "visit_type", "type", widget=LookupWidget(VisitType))
    announced = column(Visit, "announced")
    started_on = column(Visit, "started_on")
    ended_on = column(Visit, "ended_on")
    persons_held = column(Visit, "persons_held")
    interviews_private = column(Visit, "interviews_private")
    interviews_group = column(Visit, "interviews_group")
    summary = column(Visit, "summary")
    status = column(Visit, "status", readonly=True)

    class Meta(ImportResource.Meta):
        model = Visit
        name = _("Visits")
        fields = (
            "id",
            "facility",
            "visit_type",
            "announced",
            "started_on",
            "ended_on",
            "persons_held",
            "interviews_private",
            "interviews_group",
            "summary",
            "status",
        )
        import_order = fields
        export_order = fields

    def row_country_id(self, row):
        facility = self.cell("facility", row)
        return facility.country_id if facility is not None else None

    def persist(self, instance):
        services.visit_save(actor=self.user, visit=instance)


class RecommendationResource(ImportResource):
    """Recommendations; each starts as a draft, issued from its page like any other."""

    country = column(Recommendation, "country", widget=CountryWidget())
    source = column(Recommendation, "source")
    facility = column(
        Recommendation, "facility", widget=LookupWidget(Facility, keys=("pk", "name"))
    )
    visit = column(Recommendation, "visit", "visit_date", widget=VisitOfFacilityWidget())
    addressee_level = column(Recommendation, "addressee_level")
    addressee_agency = column(
        Recommendation, "addressee_agency", widget=LookupWidget(Agency, keys=AGENCY_KEYS)
    )
    area = column(Recommendation, "area", widget=LookupWidget(ExaminedArea))
    text = column(Recommendation, "text")
    issued_on = column(Recommendation, "issued_on")
    status = column(Recommendation, "status", readonly=True)

    class Meta(ImportResource.Meta):
        model = Recommendation
        name = _("Recommendations")
        fields = (
            "id",
            "country",
            "source",
            "facility",
            "visit",
            "addressee_level",
            "addressee_agency",
            "area",
            "text",
            "issued_on",
            "status",
        )
        import_order = fields
        export_order = fields

    def __init__(self, user=None, **kwargs):
        super().__init__(user=user, **kwargs)
        self.fields["visit"].widget.resource = self

    def row_country_id(self, row):
        country = self.cell("country", row)
        if country is not None:
            return country.pk
        facility = self.cell("facility", row)
        return facility.country_id if facility is not None else None

    def persist(self, instance):
        services.recommendation_save(actor=self.user, recommendation=instance)
