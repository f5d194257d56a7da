"""The reference data read once into memory: the lists records draw from, the deadline rules in
force, due moments and the NPM body of a day."""

from datetime import date, datetime

from cases.models import (
    AllegationSource,
    DeadlineRule,
    Method,
    PlaceOfIncident,
    ProsecutorOffice,
)
from facilities.models import (
    Agency,
    Country,
    ExaminedArea,
    FacilityType,
    NpmBody,
    Region,
    VisitType,
)
from npm_tracker.core.calendar import add_duration, working_calendar

# --- the reference data in memory -----------------------------------------------------------------


class Reference:
    def __init__(self):
        self.countries = {c.code: c for c in Country.objects.all()}
        by_country = lambda model: {  # noqa: E731
            code: [
                x for x in model.objects.all() if x.country_id in (None, self.countries[code].pk)
            ]
            for code in self.countries
        }
        self.regions = by_country(Region)
        self.agencies = {
            code: [a for a in items if a.country_id is not None]
            for code, items in by_country(Agency).items()
        }
        self.facility_types = by_country(FacilityType)
        self.visit_types = by_country(VisitType)
        self.areas = by_country(ExaminedArea)
        self.methods = by_country(Method)
        self.sources = by_country(AllegationSource)
        self.places = by_country(PlaceOfIncident)
        self.offices = by_country(ProsecutorOffice)
        self.bodies = {code: [] for code in self.countries}
        for body in NpmBody.objects.order_by("valid_from"):
            for code, country in self.countries.items():
                if body.country_id == country.pk:
                    self.bodies[code].append(body)
        self.rules = list(DeadlineRule.objects.order_by("country", "clock", "effective_from"))
        self.calendars = {code: working_calendar(code) for code in self.countries}
        self._rule_cache: dict = {}
        self._due_cache: dict = {}

    def rule_in_force(self, code: str, clock: str, day: date):
        """What ``deadlines.rule_in_force`` answers, from the rules read once."""
        key = (code, clock, day)
        if key not in self._rule_cache:
            country_id = self.countries[code].pk
            self._rule_cache[key] = next(
                (
                    r
                    for r in self.rules
                    if r.country_id == country_id
                    and r.clock == clock
                    and r.effective_from <= day
                    and (r.effective_to is None or r.effective_to >= day)
                ),
                None,
            )
        return self._rule_cache[key]

    def due(self, rule, started_at: datetime, code: str) -> datetime:
        """``deadlines.due_moment``, with the country's working calendar read once. Terms counted
        in days or longer depend on the local day only, so they are computed once per day."""
        country = self.countries[code]
        if rule.unit == "hours":
            return add_duration(started_at, rule.duration, rule.unit, code, country.zone)
        day = started_at.astimezone(country.zone).date()
        key = (rule.pk, day)
        if key not in self._due_cache:
            self._due_cache[key] = add_duration(
                started_at,
                rule.duration,
                rule.unit,
                code,
                country.zone,
                calendar=self.calendars[code],
            )
        return self._due_cache[key]

    def body_on(self, code: str, day: date):
        for body in self.bodies[code]:
            if body.valid_from <= day and (body.valid_to is None or day <= body.valid_to):
                return body
        return None
