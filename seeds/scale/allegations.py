"""Allegations, with their victims, consents, perpetrators and referrals: each referral walked
through its lifecycle up to the horizon, moving the clocks as ``cases.services`` does, and the
allegation referred and closed as its referrals go."""

from bisect import bisect_right
from datetime import date, timedelta

from cases import deadlines
from cases.lifecycles import REFERRAL_FINAL
from cases.models import (
    Allegation,
    AllegationEvent,
    Consent,
    Perpetrator,
    Referral,
    ReferralEvent,
    Victim,
)
from cases.services.referrals import _outcome
from npm_tracker.core.crypto import blind_index, name_index

from .clocks import Clocks, clock_tables
from .constants import (
    ARTICLES,
    BATCH,
    GIVEN,
    HORIZON,
    REFERRAL_CLOCKS_MET_BY_SENT,
    REFERRAL_GAP,
    REFERRAL_TARGET,
    REFERRAL_WALK,
    SUMMARIES,
    SURNAMES,
    local,
    pick,
)
from .tables import EVENT_COLUMNS, Table, flush


class AllegationsMixin:
    """Of ``Builder``: allegations and their referrals."""

    def allegations(self, code: str, facilities, visits, officers) -> None:
        ref = self.ref
        country = ref.countries[code]
        zone = country.zone
        total = self.count("allegations", code)
        # Receipt moments first, in order, so that references follow the order of receipt.
        moments = sorted(
            local(self.random_day(), self.rng.randint(8, 18), self.rng.randint(0, 59), zone)
            for _ in range(total)
        )
        visits_by_day = sorted(visits, key=lambda v: v[2])
        visit_days = [v[2] for v in visits_by_day]
        t_alleg = Table(
            Allegation,
            (
                "id",
                "created_at",
                "updated_at",
                "reference",
                "country_id",
                "source_id",
                "received_at",
                "facility_id",
                "visit_id",
                "place_of_incident_id",
                "incident_date",
                "incident_date_precision",
                "summary",
                "injuries",
                "death_in_custody",
                "serious_injury",
                "urgent",
                "reprisal_risk",
                "status",
                "closed_reason",
                "follow_up_requested",
                "assigned_officer_id",
                "created_by_id",
            ),
        )
        t_methods = Table(Allegation.methods.through, ("allegation_id", "method_id"))
        t_victim = Table(
            Victim,
            (
                "id",
                "created_at",
                "updated_at",
                "allegation_id",
                "pseudonym",
                "sex",
                "is_minor",
                "current_facility_id",
                "current_location",
                "full_name",
                "date_of_birth",
                "citizenship",
                "contact_details",
                "identity_index",
            ),
        )
        t_consent = Table(
            Consent,
            (
                "id",
                "created_at",
                "updated_at",
                "allegation_id",
                "destination",
                "granted_on",
                "form",
                "withdrawn_on",
                "note",
                "recorded_by_id",
            ),
        )
        t_perp = Table(
            Perpetrator,
            (
                "id",
                "created_at",
                "updated_at",
                "allegation_id",
                "agency_id",
                "unit",
                "rank",
                "name",
                "name_index",
            ),
        )
        t_aevent = Table(AllegationEvent, (*EVENT_COLUMNS, "reason", "allegation_id"))
        t_ref = Table(
            Referral,
            (
                "id",
                "created_at",
                "updated_at",
                "reference",
                "allegation_id",
                "prosecutor_office_id",
                "status",
                "external_number",
                "outcome",
                "created_by_id",
            ),
        )
        t_revent = Table(
            ReferralEvent,
            (
                *EVENT_COLUMNS,
                "referral_id",
                "external_number",
                "article",
                "sentence",
                "addressee",
                "new_term",
            ),
        )
        t_dl = clock_tables()
        tables = [t_alleg, t_methods, t_victim, t_consent, t_perp, t_aevent, t_ref, t_revent, *t_dl]
        sources = ref.sources[code]
        methods = ref.methods[code]
        offices = ref.offices[code]
        for received in moments:
            self._allegation(
                code,
                received,
                facilities,
                visits_by_day,
                visit_days,
                officers,
                sources,
                methods,
                offices,
                tables,
            )
            if t_alleg.count >= BATCH:
                flush(tables, self.tally)
        flush(tables, self.tally)

    def _allegation(
        self,
        code,
        received,
        facilities,
        visits_by_day,
        visit_days,
        officers,
        sources,
        methods,
        offices,
        tables,
    ):
        rng = self.rng
        ref = self.ref
        country = ref.countries[code]
        zone = country.zone
        t_alleg, t_methods, t_victim, t_consent, t_perp, t_aevent, t_ref, t_revent = tables[:8]
        t_dl = tables[8:]
        aid = self.uid()
        local_day = received.astimezone(zone).date()
        year = local_day.year
        reference = f"{code}-{year}-{self.next_number(f'allegation:{code}:{year}'):06d}"
        officer = rng.choice(officers)
        facility_id, _agency = rng.choice(facilities)
        visit_id = None
        if rng.random() < 0.25:
            i = bisect_right(visit_days, local_day) - 1
            if i >= 0:
                candidate = visits_by_day[max(0, i - rng.randint(0, 30))]
                visit_id, facility_id = candidate[0], candidate[1]
        incident_date = local_day - timedelta(days=rng.randint(0, 60))
        death = rng.random() < 0.01
        serious = rng.random() < 0.05
        # The victim: a known date of birth decides whether they were a minor on the incident day.
        sex = rng.choices(("male", "female", "unknown"), (80, 15, 5))[0]
        born = None
        if rng.random() < 0.7:
            born = incident_date - timedelta(days=rng.randint(15 * 365, 60 * 365))
        is_minor = bool(born and _age_on(born, incident_date) < 18)
        full_name = ""
        if rng.random() < 0.85:
            full_name = f"{rng.choice(SURNAMES[code])} {rng.choice(GIVEN)}"
        urgent = death or serious or is_minor
        pseudonym = f"V-{code}-{self.next_number(f'victim:{code}'):06d}"
        t_victim.add(
            self.uid(),
            received,
            received,
            aid,
            pseudonym,
            sex,
            is_minor,
            facility_id,
            "",
            full_name,
            born,
            code if rng.random() < 0.9 else "",
            "",
            blind_index(full_name, born),
        )
        for method in rng.sample(methods, rng.randint(1, 3)):
            t_methods.add(aid, method.pk)
        for destination, share in (("prosecutor", 0.85), ("medical_examination", 0.3)):
            if rng.random() < share:
                t_consent.add(
                    self.uid(),
                    received,
                    received,
                    aid,
                    destination,
                    local_day,
                    "written",
                    None,
                    "",
                    officer,
                )
        for _ in range(rng.choice((0, 1, 1, 2))):
            # Drawn in this order, as always: the same seed gives the same data set.
            perpetrator = [
                self.uid(),
                received,
                received,
                aid,
                rng.choice(ref.agencies[code]).pk,
                "ОП-" + str(rng.randint(1, 40)),
                rng.choice(("сержант", "лейтенант", "капитан", "майор")),
                f"{rng.choice(SURNAMES[code])} {rng.choice(GIVEN)[0]}.",
            ]
            t_perp.add(*perpetrator, name_index(perpetrator[-1]))

        alleg_clocks = Clocks(
            ref, code, t_dl, "allegation", aid, self.uid, officer=officer, label=reference
        )
        if urgent:
            alleg_clocks.start("urgent_escalation", received)
        status, reason = "received", ""
        last_event = None
        updated = received

        def allegation_event(kind, to, at, *, note="", why=""):
            nonlocal status, reason, last_event, updated
            self.event(t_aevent, kind, status, to, at, officer, why, aid, note=note)
            status, reason, last_event, updated = to, why, at, at

        if rng.random() < 0.92:
            allegation_event(
                "under_assessment",
                "under_assessment",
                received + timedelta(hours=rng.randint(2, 96)),
            )
        n_referrals = rng.choices((0, 1, 2), (12, 76, 12))[0]
        referral_finals = []
        for _ in range(n_referrals):
            rid = self.uid()
            created = (last_event or received) + timedelta(days=rng.randint(1, 10))
            if created > HORIZON:
                break
            r_reference = f"{reference}-R{self.next_number(f'referral:{reference}')}"
            r_status, external, outcome = "draft", "", ""
            moment = created
            clocks = Clocks(
                ref, code, t_dl, "referral", rid, self.uid, officer=officer, label=r_reference
            )
            extensions = 0
            while True:
                options = REFERRAL_WALK.get((code, r_status)) or REFERRAL_WALK[r_status]
                kind = pick(rng, options)
                if kind == "investigation_extended" and extensions >= 3:
                    kind = "sent_to_court"
                if kind == "stop":
                    break
                low, high = REFERRAL_GAP[kind]
                at = moment + timedelta(days=rng.randint(low, high), minutes=rng.randint(1, 600))
                if at > HORIZON:
                    break
                target = REFERRAL_TARGET[kind]
                values = {"note": "", "external_number": "", "article": "", "sentence": ""}
                values.update({"addressee": "", "new_term": None})
                if kind == "registered":
                    prefix = "ERDR" if code == "KZ" else "URC"
                    values["external_number"] = (
                        f"{prefix}-{at.year}{self.next_number(f'scale:{prefix}'):09d}"
                    )
                if kind in ("refused", "forwarded", "terminated"):
                    values["note"] = {
                        "refused": "Отказано в возбуждении: нет состава.",
                        "forwarded": "Передано в органы внутренних дел.",
                        "terminated": "Прекращено за отсутствием состава.",
                    }[kind]
                if kind == "convicted":
                    values["article"] = ARTICLES[code]
                    values["sentence"] = f"{rng.randint(1, 7)} лет лишения свободы"
                if kind == "appealed":
                    values["addressee"] = "Вышестоящий прокурор"
                if kind == "investigation_extended":
                    extensions += 1
                    values["new_term"] = at.astimezone(zone).date() + timedelta(
                        days=rng.randint(30, 60)
                    )
                to_status = target or r_status
                self.event(
                    t_revent,
                    kind,
                    r_status,
                    to_status,
                    at,
                    officer,
                    rid,
                    values["external_number"],
                    values["article"],
                    values["sentence"],
                    values["addressee"],
                    values["new_term"],
                    note=values["note"],
                )
                if values["external_number"]:
                    external = values["external_number"]
                if target:
                    outcome = _outcome(kind, values["note"], values["article"], values["sentence"])
                r_status, moment = to_status, at
                # The clocks, as cases.services._referral_clocks moves them.
                starts, meets = deadlines.referral_clock_changes(code, kind)
                met = clocks.meet(meets, at, kind)
                if kind == "investigation_extended" and met:
                    clocks.restart_until(met[0], at, values["new_term"])
                for clock in starts:
                    clocks.start(clock, at)
                if kind == "sent":
                    alleg_clocks.meet(REFERRAL_CLOCKS_MET_BY_SENT, at, "sent")
                    if status in ("received", "under_assessment"):
                        allegation_event(
                            "referred",
                            "referred",
                            max(at, last_event or at),
                            note=r_reference,
                        )
            t_ref.add(
                rid,
                created,
                moment,
                r_reference,
                aid,
                rng.choice(offices).pk,
                r_status,
                external,
                outcome,
                officer,
            )
            clocks.write(country.pk)
            referral_finals.append((r_status, moment))
        # Closing: a referred allegation once every referral is final (as resolved), others
        # with a reason after assessment.
        if status == "referred":
            if all(s in REFERRAL_FINAL for s, _m in referral_finals) and rng.random() < 0.6:
                at = max(m for _s, m in referral_finals) + timedelta(days=rng.randint(5, 60))
                if at <= HORIZON:
                    allegation_event("closed", "closed", at, why="resolved")
        elif n_referrals == 0 or not referral_finals:
            if status in ("received", "under_assessment") and rng.random() < 0.65:
                at = (last_event or received) + timedelta(days=rng.randint(10, 120))
                if at <= HORIZON:
                    why = rng.choice(
                        (
                            "no_consent",
                            "insufficient_information",
                            "duplicate",
                            "outside_mandate",
                            "withdrawn",
                        )
                    )
                    allegation_event("closed", "closed", at, why=why)
        if status == "closed":
            alleg_clocks.meet(("urgent_escalation",), last_event, "closed")
        t_alleg.add(
            aid,
            received,
            updated,
            reference,
            country.pk,
            rng.choice(sources).pk,
            received,
            facility_id,
            visit_id,
            rng.choice(self.ref.places[code]).pk,
            incident_date,
            "day",
            rng.choice(SUMMARIES),
            "Ссадины и гематомы." if rng.random() < 0.3 else "",
            death,
            serious,
            urgent,
            rng.choice(("none", "none", "none", "low")),
            status,
            reason if status == "closed" else "",
            False,
            officer,
            officer,
        )
        alleg_clocks.write(country.pk)


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
