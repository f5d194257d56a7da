"""The demo records moved through their transition services, with real dates up to today."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from cases import services as case_services
from facilities import services

from .constants import RECOMMENDATION_PATHS, REFERRAL_PATHS, STEP_INPUTS


class LifecycleWalker:
    """Moves the demo records through their transition services, as staff would have."""

    def __init__(self, rng, user):
        self.rng = rng
        self.user = user
        self.now = timezone.now()

    def _later(self, moment, low, high):
        return moment + timedelta(days=self.rng.randint(low, high), hours=self.rng.randint(0, 6))

    def walk_all(self, created: dict):
        """Walk the records this build created (ids in ``created``), in the order they were
        created, so that the same build always draws the same random numbers."""
        from cases.models import Allegation, ReprisalFollowUp
        from facilities.models import Recommendation, Visit

        def in_order(queryset, ids):
            found = queryset.in_bulk(ids)
            return [found[pk] for pk in ids]

        for visit in in_order(Visit.objects.select_related("facility__country"), created["visits"]):
            self.visit(visit)
        recs = in_order(
            Recommendation.objects.select_related("country", "visit"), created["recommendations"]
        )
        for rec in recs:
            self.recommendation(rec)
        allegations = in_order(Allegation.objects.select_related("country"), created["allegations"])
        for allegation in allegations:
            self.allegation(allegation)
        follow_ups = ReprisalFollowUp.objects.filter(allegation__in=[a.pk for a in allegations])
        by_allegation = {f.allegation_id: f for f in follow_ups.select_related("allegation")}
        for allegation in allegations:
            if allegation.pk in by_allegation:
                self.follow_up(by_allegation[allegation.pk])

    def visit(self, visit):
        zone = visit.facility.country.zone
        at = datetime.combine(visit.started_on, time(9), tzinfo=zone)
        end = datetime.combine(visit.ended_on or visit.started_on, time(17), tzinfo=zone)
        plan = [
            ("in_progress", at),
            ("report_drafted", self._later(end, 5, 20)),
            ("report_approved", None),
            ("report_sent", None),
        ]
        previous = at
        for to, when in plan:
            when = when or self._later(previous, 3, 15)
            if when > self.now:
                return
            services.visit_transition(actor=self.user, visit=visit, to=to, occurred_at=when)
            previous = when

    def recommendation(self, rec):
        if rec.visit is None or rec.visit.status != "report_sent":
            return
        sent = rec.visit.events.get(kind="report_sent").occurred_at
        path = self.rng.choice(RECOMMENDATION_PATHS)
        at = sent
        for position, to in enumerate(path):
            at = self._later(at, 1, 3) if position == 0 else self._later(at, 10, 60)
            if at > self.now:
                return
            if to == "response_received":
                services.recommendation_response_add(
                    actor=self.user,
                    recommendation=rec,
                    received_on=at.astimezone(rec.country.zone).date(),
                    text="Рекомендация рассмотрена, меры принимаются.",
                    number=f"{self.rng.randint(1, 30)}-{self.rng.randint(100, 999)}",
                    assessment=self.rng.choice(["satisfactory", "partially_satisfactory"]),
                )
                rec.refresh_from_db()
                at = rec.events.latest("occurred_at").occurred_at
                continue
            services.recommendation_transition(
                actor=self.user, recommendation=rec, to=to, occurred_at=at
            )

    def allegation(self, allegation):
        from cases.models import Referral

        rng = self.rng
        at = allegation.received_at
        referrals = list(Referral.objects.filter(allegation=allegation).order_by("created_at"))
        if not referrals:
            roll = rng.random()
            if roll < 0.4:
                self._allegation_step(allegation, "under_assessment", self._later(at, 1, 5))
            elif roll < 0.7:
                reason = rng.choice(
                    ["no_consent", "insufficient_information", "duplicate", "outside_mandate"]
                )
                self._allegation_step(allegation, "closed", self._later(at, 3, 20), reason=reason)
            return
        for referral in referrals:
            if rng.random() < 0.12:
                continue  # stays a draft
            self.referral(allegation, referral, at)
        allegation.refresh_from_db()
        if allegation.status == "referred" and rng.random() < 0.5:
            from cases.lifecycles import REFERRAL_FINAL

            if all(r.status in REFERRAL_FINAL for r in allegation.referrals.all()):
                last = max(
                    e.occurred_at for r in allegation.referrals.all() for e in r.events.all()
                )
                self._allegation_step(
                    allegation, "closed", self._later(last, 1, 10), reason="resolved"
                )

    def _allegation_step(self, allegation, to, at, reason=""):
        if at <= self.now:
            case_services.allegation_transition(
                actor=self.user, allegation=allegation, to=to, occurred_at=at, reason=reason
            )

    def referral(self, allegation, referral, received_at):
        rng = self.rng
        path = rng.choice(REFERRAL_PATHS[allegation.country.code])
        path = path[: rng.randint(1, len(path))]
        at = self._later(received_at, 0, 4)
        for kind in path:
            if at > self.now:
                return
            inputs = dict(STEP_INPUTS)
            inputs["external_number"] += f"{rng.randint(100, 999)}"
            if kind not in ("refused", "forwarded", "terminated"):
                inputs["note"] = ""  # only the steps that need grounds carry them
            inputs["new_term"] = (at + timedelta(days=rng.randint(30, 60))).date()
            case_services.referral_transition(
                actor=self.user, referral=referral, kind=kind, occurred_at=at, **inputs
            )
            at = self._later(at, 4, 45)

    def follow_up(self, follow_up):
        if follow_up.status != "open" or self.rng.random() < 0.35:
            return
        at = self._later(follow_up.allegation.received_at, 10, 40)
        if at > self.now:
            return
        reported = self.rng.random() < 0.1
        case_services.follow_up_close(
            actor=self.user,
            follow_up=follow_up,
            outcome="reprisal_reported" if reported else "no_reprisal",
            method=self.rng.choice(["visit", "contact"]),
            note="После беседы переведён в ШИЗО без оснований." if reported else "",
            occurred_at=at,
        )
