"""Visits and the recommendations of their reports: each walked through its lifecycle up to the
horizon, with the recommendation clocks."""

from datetime import timedelta

from facilities.lifecycles import RECOMMENDATION_CLOCK
from facilities.models import Recommendation, RecommendationEvent, Visit, VisitEvent

from .clocks import Clocks, clock_tables
from .constants import BATCH, HORIZON, REC_GAP, REC_TEXTS, REC_WALK, local, pick
from .tables import EVENT_COLUMNS, Table, flush


class VisitsMixin:
    """Of ``Builder``: visits, and recommendations once the report is sent."""

    # -- visits and recommendations -------------------------------------------------------------

    def visits_and_recommendations(self, code: str, facilities, officers) -> list[tuple]:
        ref = self.ref
        country = ref.countries[code]
        zone = country.zone
        visits = Table(
            Visit,
            (
                "id",
                "created_at",
                "updated_at",
                "facility_id",
                "visit_type_id",
                "npm_body_id",
                "announced",
                "started_on",
                "ended_on",
                "status",
                "persons_held",
                "interviews_private",
                "interviews_group",
                "summary",
                "created_by_id",
            ),
        )
        visit_events = Table(VisitEvent, (*EVENT_COLUMNS, "visit_id"))
        recs = Table(
            Recommendation,
            (
                "id",
                "created_at",
                "updated_at",
                "country_id",
                "source",
                "visit_id",
                "facility_id",
                "addressee_level",
                "addressee_agency_id",
                "area_id",
                "text",
                "issued_on",
                "status",
            ),
        )
        rec_events = Table(RecommendationEvent, (*EVENT_COLUMNS, "recommendation_id"))
        dl = clock_tables()
        tables = [visits, visit_events, recs, rec_events, *dl]
        total_visits = self.count("visits", code)
        total_recs = self.count("recommendations", code)
        rec_per_visit = total_recs / total_visits
        rec_budget = 0.0
        result = []
        for n in range(total_visits):
            facility_id, agency_id = facilities[n % len(facilities)]
            started = self.random_day()
            vtypes = [v for v in ref.visit_types[code] if v.is_valid_on(started)]
            vtype = self.rng.choice(vtypes)
            body = ref.body_on(code, started)
            if body is None:
                continue
            ended = started + timedelta(days=self.rng.choice((0, 0, 0, 1, 2)))
            officer = self.rng.choice(officers)
            vid = self.uid()
            created = local(started - timedelta(days=7), 10, 0, zone)
            # Life of the visit: planned, then the steps while they lie before the horizon.
            status = "planned"
            steps = []
            if self.rng.random() < 0.02:
                steps.append(("cancelled", local(started - timedelta(days=1), 12, 0, zone)))
            else:
                steps.append(("in_progress", local(started, 9, 30, zone)))
                day = ended
                for kind, low, high in (
                    ("report_drafted", 7, 25),
                    ("report_approved", 3, 20),
                    ("report_sent", 2, 15),
                ):
                    day += timedelta(days=self.rng.randint(low, high))
                    steps.append((kind, local(day, 15, 0, zone)))
            updated = created
            for kind, moment in steps:
                if moment > HORIZON:
                    break
                self.event(visit_events, kind, status, kind, moment, officer, vid)
                status = kind
                updated = moment
            visits.add(
                vid,
                created,
                updated,
                facility_id,
                vtype.pk,
                body.pk,
                self.rng.random() < 0.2,
                started,
                None if status == "cancelled" else ended,
                status,
                self.rng.randint(5, 900),
                self.rng.randint(0, 25),
                self.rng.randint(0, 6),
                "Плановый визит мониторинговой группы.",
                officer,
            )
            result.append((vid, facility_id, started))
            if status != "report_sent":
                continue
            sent_at = dict(steps)["report_sent"]
            rec_budget += rec_per_visit
            while rec_budget >= 1:
                rec_budget -= 1
                self._recommendation(
                    code, vid, facility_id, agency_id, sent_at, officer, recs, rec_events, dl
                )
            if visits.count >= BATCH:
                flush(tables, self.tally)
        flush(tables, self.tally)
        return result

    def _recommendation(
        self, code, vid, facility_id, agency_id, report_sent_at, officer, recs, events, dl
    ):
        ref = self.ref
        country = ref.countries[code]
        rid = self.uid()
        created = report_sent_at
        status = "draft"
        moment = created
        issued_on = None
        clocks = Clocks(ref, code, dl, "recommendation", rid, self.uid, officer=officer)
        while status in REC_WALK:
            kind = pick(self.rng, REC_WALK[status])
            if kind == "stop":
                break
            low, high = REC_GAP.get(kind, (30, 300))
            at = moment + timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(0, 5))
            if at > HORIZON:
                break
            self.event(events, kind, status, kind, at, officer, rid)
            status, moment = kind, at
            if kind == "issued":
                issued_on = at.astimezone(country.zone).date()
                clocks.start(RECOMMENDATION_CLOCK["visit_report"], at)
            elif kind in ("response_received", "obsolete"):
                clocks.meet(("recommendation_response", "annual_report_response"), at, met_by=kind)
        text = self.rng.choice(REC_TEXTS)
        clocks.label = text[:60]  # str(recommendation)[:60]
        recs.add(
            rid,
            created,
            moment,
            country.pk,
            "visit_report",
            vid,
            facility_id,
            self.rng.choice(("facility", "facility", "agency", "ministry")),
            agency_id,
            self.rng.choice(ref.areas[code]).pk,
            text,
            issued_on,
            status,
        )
        clocks.write(country.pk)
