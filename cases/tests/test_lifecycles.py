"""Every legal step of every lifecycle is walked, every illegal one is refused and writes nothing
(LIFECYCLES.md). Tables are explored from their data, so a change to a table is covered too."""

from collections import deque
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from cases import services
from cases.choices import ReferralEventKind
from cases.errors import CaseErrorCode
from cases.lifecycles import ALLEGATION, REFERRAL
from cases.models import AllegationEvent, Referral, ReferralEvent
from cases.tests.factories import make_allegation, make_referral
from facilities import services as facility_services
from facilities.choices import RecommendationStatus, VisitStatus
from facilities.lifecycles import RECOMMENDATION, VISIT
from facilities.models import ExaminedArea, RecommendationEvent, VisitEvent
from facilities.tests.factories import make_facility, make_visit
from npm_tracker.core.errors import DomainError, ErrorCode

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")
RECEIVED = datetime(2026, 1, 12, 10, 0, tzinfo=ALMATY)


class Rollback(Exception):
    pass


def paths(lifecycle, country, opened_on, start):
    """Shortest sequence of step names that reaches each status from ``start``."""
    table = lifecycle.table(country, opened_on)
    found = {start: []}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for step in table.steps:
            if status in step.sources and step.by_staff:
                target = step.target or status
                if target not in found:
                    found[target] = [*found[status], step.name]
                    queue.append(target)
    return found


def referral_inputs(at):
    return {
        "external_number": "ERDR-261500031000123",
        "note": "Grounds noted in the decision.",
        "article": "Art. 146(2)",
        "sentence": "5 years",
        "addressee": "Prosecutor General's Office",
        "new_term": (at + timedelta(days=40)).date(),
    }


def referral_step(referral, name, at):
    return services.referral_transition(
        actor=None, referral=referral, kind=name, occurred_at=at, **referral_inputs(at)
    )


@pytest.mark.parametrize("country", ["KZ", "KG"])
def test_every_referral_step_from_every_status(reference, country):
    allegation = make_allegation(country, received_at=RECEIVED)
    opened = date.today()
    reachable = paths(REFERRAL, country, opened, "draft")
    table = REFERRAL.table(country, opened)
    assert set(reachable) >= {"draft", "sent", "registered", "in_court", "convicted", "appealed"}
    legal = illegal = 0
    for status, path in reachable.items():
        for kind in ReferralEventKind.values:
            with pytest.raises(Rollback), transaction.atomic():
                referral = make_referral(allegation)
                at = RECEIVED + timedelta(hours=1)
                for name in path:
                    referral = referral_step(referral, name, at)
                    at += timedelta(hours=1)
                assert referral.status == status
                step = next(
                    (s for s in table.steps if s.name == kind and status in s.sources), None
                )
                events_before = ReferralEvent.objects.filter(referral=referral).count()
                if step is None:
                    with pytest.raises(DomainError) as excinfo:
                        referral_step(referral, kind, at)
                    assert excinfo.value.domain_code == ErrorCode.INVALID_TRANSITION
                    referral.refresh_from_db()
                    assert referral.status == status
                    assert ReferralEvent.objects.filter(referral=referral).count() == events_before
                    illegal += 1
                else:
                    moved = referral_step(referral, kind, at)
                    assert moved.status == (step.target or status)
                    event = ReferralEvent.objects.filter(referral=referral).latest("occurred_at")
                    assert (event.kind, event.from_status, event.to_status) == (
                        kind,
                        status,
                        moved.status,
                    )
                    legal += 1
                raise Rollback
    assert legal >= 14 and illegal > 100


def test_kyrgyz_and_kazakh_tables_differ_where_the_law_does(reference):
    kz = make_referral(make_allegation("KZ", received_at=RECEIVED))
    kg = make_referral(make_allegation("KG", received_at=RECEIVED))
    at = RECEIVED + timedelta(hours=1)
    for referral in (kz, kg):
        referral_step(referral, "sent", at)
        referral_step(referral, "registered", at + timedelta(hours=1))
    with pytest.raises(DomainError):
        referral_step(kz, "case_opened", at + timedelta(hours=2))
    assert referral_step(kg, "case_opened", at + timedelta(hours=2)).status == "case_opened"
    assert referral_step(kz, "sent_to_court", at + timedelta(hours=2)).status == "in_court"


@pytest.mark.parametrize(
    ("inputs", "code"),
    [
        ({"external_number": ""}, ErrorCode.EXTERNAL_NUMBER_REQUIRED),
    ],
)
def test_registered_without_external_number_is_refused(reference, inputs, code):
    referral = make_referral(make_allegation(received_at=RECEIVED))
    referral_step(referral, "sent", RECEIVED + timedelta(hours=1))
    with pytest.raises(DomainError) as excinfo:
        services.referral_transition(
            actor=None,
            referral=referral,
            kind="registered",
            occurred_at=RECEIVED + timedelta(hours=2),
        )
    assert excinfo.value.domain_code == code
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.external_number == ""


@pytest.mark.parametrize(
    ("kind", "missing", "code"),
    [
        ("refused", "note", ErrorCode.NOTE_REQUIRED),
        ("forwarded", "note", ErrorCode.NOTE_REQUIRED),
        ("appealed", "addressee", ErrorCode.ADDRESSEE_REQUIRED),
        ("convicted", "article", ErrorCode.ARTICLE_REQUIRED),
        ("convicted", "sentence", ErrorCode.SENTENCE_REQUIRED),
        ("investigation_extended", "new_term", ErrorCode.NEW_TERM_REQUIRED),
        ("terminated", "note", ErrorCode.NOTE_REQUIRED),
    ],
)
def test_each_step_asks_for_what_it_needs(reference, kind, missing, code):
    referral = make_referral(make_allegation(received_at=RECEIVED))
    path = paths(REFERRAL, "KZ", date.today(), "draft")
    source = next(s for s in REFERRAL.table("KZ", date.today()).steps if s.name == kind)
    status = sorted(source.sources, key=lambda s: len(path.get(s, [1] * 99)))[0]
    at = RECEIVED + timedelta(hours=1)
    for name in path[status]:
        referral = referral_step(referral, name, at)
        at += timedelta(hours=1)
    inputs = referral_inputs(at)
    inputs[missing] = None if missing == "new_term" else ""
    count = ReferralEvent.objects.filter(referral=referral).count()
    with pytest.raises(DomainError) as excinfo:
        services.referral_transition(
            actor=None, referral=referral, kind=kind, occurred_at=at, **inputs
        )
    assert excinfo.value.domain_code == code
    assert ReferralEvent.objects.filter(referral=referral).count() == count


def test_events_are_never_in_the_future_out_of_order_or_before_receipt(reference):
    referral = make_referral(make_allegation(received_at=RECEIVED))
    from django.utils import timezone

    cases = [
        (timezone.now() + timedelta(hours=2), ErrorCode.EVENT_IN_FUTURE),
        (RECEIVED - timedelta(minutes=1), ErrorCode.EVENT_OUT_OF_ORDER),
    ]
    for at, code in cases:
        with pytest.raises(DomainError) as excinfo:
            referral_step(referral, "sent", at)
        assert excinfo.value.domain_code == code
    referral_step(referral, "sent", RECEIVED + timedelta(days=2))
    with pytest.raises(DomainError) as excinfo:
        referral_step(referral, "acknowledged", RECEIVED + timedelta(days=1))
    assert excinfo.value.domain_code == ErrorCode.EVENT_OUT_OF_ORDER
    assert ReferralEvent.objects.filter(referral=referral).count() == 1


def test_a_table_version_applies_to_records_opened_from_its_date(reference, monkeypatch):
    from npm_tracker.core.workflow import Step, TableVersion

    current = REFERRAL.table("KZ", date.today())
    stricter = TableVersion(
        country="KZ",
        effective_from=date(2026, 2, 1),
        source="test: acknowledgement abolished",
        steps=(
            *(s for s in current.steps if s.name != "acknowledged"),
            Step.make("acknowledged", [], target="acknowledged"),
        ),
    )
    monkeypatch.setattr(REFERRAL, "versions", [*REFERRAL.versions, stricter])
    old = make_referral(make_allegation(received_at=RECEIVED))
    new = make_referral(make_allegation(received_at=RECEIVED))
    Referral.objects.filter(pk=old.pk).update(created_at=datetime(2026, 1, 20, tzinfo=ALMATY))
    Referral.objects.filter(pk=new.pk).update(created_at=datetime(2026, 2, 1, 9, tzinfo=ALMATY))
    for referral in (old, new):
        referral_step(referral, "sent", RECEIVED + timedelta(days=30))
    assert referral_step(old, "acknowledged", RECEIVED + timedelta(days=31)).status == (
        "acknowledged"
    )
    with pytest.raises(DomainError):
        referral_step(new, "acknowledged", RECEIVED + timedelta(days=31))


def test_allegation_lifecycle(reference):
    allegation = make_allegation(received_at=RECEIVED)
    at = RECEIVED + timedelta(hours=1)
    # "referred" is automatic only.
    with pytest.raises(DomainError) as excinfo:
        services.allegation_transition(actor=None, allegation=allegation, to="referred")
    assert excinfo.value.domain_code == ErrorCode.INVALID_TRANSITION
    # Closing needs a reason; reopening needs a note.
    with pytest.raises(DomainError) as excinfo:
        services.allegation_transition(
            actor=None, allegation=allegation, to="closed", occurred_at=at
        )
    assert excinfo.value.domain_code == ErrorCode.REASON_REQUIRED
    services.allegation_transition(
        actor=None, allegation=allegation, to="under_assessment", occurred_at=at
    )
    services.allegation_transition(
        actor=None,
        allegation=allegation,
        to="closed",
        reason="insufficient_information",
        occurred_at=at + timedelta(hours=1),
    )
    allegation.refresh_from_db()
    assert (allegation.status, allegation.closed_reason) == ("closed", "insufficient_information")
    with pytest.raises(DomainError) as excinfo:
        services.allegation_transition(
            actor=None,
            allegation=allegation,
            to="under_assessment",
            occurred_at=at + timedelta(hours=2),
        )
    assert excinfo.value.domain_code == ErrorCode.NOTE_REQUIRED
    services.allegation_transition(
        actor=None,
        allegation=allegation,
        to="under_assessment",
        note="New witness came forward.",
        occurred_at=at + timedelta(hours=2),
    )
    allegation.refresh_from_db()
    assert (allegation.status, allegation.closed_reason) == ("under_assessment", "")
    # Sending a referral refers the allegation; closing waits for every referral to be final.
    referral = make_referral(allegation)
    referral_step(referral, "sent", at + timedelta(hours=3))
    allegation.refresh_from_db()
    assert allegation.status == "referred"
    assert AllegationEvent.objects.filter(allegation=allegation, kind="referred").exists()
    with pytest.raises(DomainError) as excinfo:
        services.allegation_transition(
            actor=None,
            allegation=allegation,
            to="closed",
            reason="resolved",
            occurred_at=at + timedelta(hours=4),
        )
    assert excinfo.value.domain_code == CaseErrorCode.REFERRALS_NOT_FINAL
    referral_step(referral, "refused", at + timedelta(hours=4))
    with pytest.raises(DomainError):
        services.allegation_transition(
            actor=None,
            allegation=allegation,
            to="closed",
            reason="duplicate",
            occurred_at=at + timedelta(hours=5),
        )
    services.allegation_transition(
        actor=None,
        allegation=allegation,
        to="closed",
        reason="resolved",
        occurred_at=at + timedelta(hours=5),
    )
    allegation.refresh_from_db()
    assert allegation.status == "closed"
    assert [e.kind for e in allegation.events.order_by("occurred_at")] == [
        "under_assessment",
        "closed",
        "under_assessment",
        "referred",
        "closed",
    ]


def test_a_referral_of_a_closed_allegation_cannot_be_sent(reference):
    allegation = make_allegation(received_at=RECEIVED)
    services.allegation_transition(
        actor=None,
        allegation=allegation,
        to="closed",
        reason="no_consent",
        occurred_at=RECEIVED + timedelta(hours=1),
    )
    referral = make_referral(allegation)
    with pytest.raises(DomainError):
        referral_step(referral, "sent", RECEIVED + timedelta(hours=2))
    referral.refresh_from_db()
    assert referral.status == "draft"


def _walk(lifecycle, statuses, make, move, event_model, link):
    opened = date.today()
    reachable = paths(lifecycle, "KZ", opened, statuses[0])
    table = lifecycle.table("KZ", opened)
    legal = illegal = 0
    for status, path in reachable.items():
        for to in statuses:
            with pytest.raises(Rollback), transaction.atomic():
                obj = make()
                at = RECEIVED + timedelta(hours=1)
                for name in path:
                    obj = move(obj, name, at)
                    at += timedelta(hours=1)
                allowed = any(s.name == to and status in s.sources for s in table.steps)
                count = event_model.objects.filter(**{link: obj}).count()
                if allowed:
                    assert move(obj, to, at).status == to
                    legal += 1
                else:
                    with pytest.raises(DomainError):
                        move(obj, to, at)
                    obj.refresh_from_db()
                    assert obj.status == status
                    assert event_model.objects.filter(**{link: obj}).count() == count
                    illegal += 1
                raise Rollback
    return legal, illegal


def test_every_recommendation_step(reference):
    visit = make_visit(started_on=date(2026, 1, 5))
    area = ExaminedArea.objects.first()

    def make():
        return facility_services.recommendation_create(
            actor=None,
            visit=visit,
            source="visit_report",
            addressee_level="facility",
            addressee_agency=visit.facility.agency,
            area=area,
            text="Install call buttons in every cell.",
        )

    def move(rec, to, at):
        return facility_services.recommendation_transition(
            actor=None, recommendation=rec, to=to, occurred_at=at, verified_by_visit=None
        )

    legal, illegal = _walk(
        RECOMMENDATION,
        RecommendationStatus.values,
        make,
        move,
        RecommendationEvent,
        "recommendation",
    )
    # draft 1, issued 2, response_received 4, accepted 5, partially_accepted 5, rejected 1,
    # in_progress 4, and obsolete from each of the three implementation statuses.
    assert legal == 25
    assert illegal == 11 * 11 - 25


def test_every_visit_step(reference):
    facility = make_facility()

    def move(visit, to, at):
        return facility_services.visit_transition(actor=None, visit=visit, to=to, occurred_at=at)

    legal, illegal = _walk(
        VISIT,
        VisitStatus.values,
        lambda: make_visit(facility, started_on=date(2026, 1, 5)),
        move,
        VisitEvent,
        "visit",
    )
    assert legal == 5
    assert illegal == 6 * 6 - 5


def test_the_table_of_each_lifecycle_is_consistent_with_the_status_codes():
    from cases.choices import AllegationStatus, ReferralStatus

    for lifecycle, codes in (
        (ALLEGATION, AllegationStatus.values),
        (REFERRAL, ReferralStatus.values),
        (RECOMMENDATION, RecommendationStatus.values),
        (VISIT, VisitStatus.values),
    ):
        for version in lifecycle.versions:
            for step in version.steps:
                assert step.sources <= set(codes), (lifecycle.name, step)
                assert step.target is None or step.target in codes, (lifecycle.name, step)


def _allegation_in(status):
    """An allegation brought to ``status`` through the services."""
    allegation = make_allegation(received_at=RECEIVED)
    at = RECEIVED + timedelta(hours=1)
    if status == "under_assessment":
        services.allegation_transition(
            actor=None, allegation=allegation, to="under_assessment", occurred_at=at
        )
    elif status == "closed":
        services.allegation_transition(
            actor=None, allegation=allegation, to="closed", reason="withdrawn", occurred_at=at
        )
    elif status == "referred":
        referral_step(make_referral(allegation), "sent", at)
    allegation.refresh_from_db()
    assert allegation.status == status
    return allegation


def test_every_allegation_step_from_every_status(reference):
    from cases.choices import AllegationStatus

    table = ALLEGATION.table("KZ", RECEIVED.date())
    inputs = {"reason": "resolved", "note": "Reopened on new facts."}
    for status in AllegationStatus.values:
        for to in AllegationStatus.values:
            with pytest.raises(Rollback), transaction.atomic():
                allegation = _allegation_in(status)
                count = AllegationEvent.objects.filter(allegation=allegation).count()
                allowed = any(
                    s.name == to and status in s.sources and s.by_staff for s in table.steps
                )
                # A referred allegation closes only once its referrals are final (refused here).
                if status == "referred" and to == "closed":
                    referral = allegation.referrals.get()
                    referral_step(referral, "refused", RECEIVED + timedelta(hours=2))
                    count = AllegationEvent.objects.filter(allegation=allegation).count()
                at = RECEIVED + timedelta(hours=3)
                if allowed:
                    moved = services.allegation_transition(
                        actor=None, allegation=allegation, to=to, occurred_at=at, **inputs
                    )
                    assert moved.status == to
                    assert AllegationEvent.objects.filter(allegation=allegation).count() == (
                        count + 1
                    )
                else:
                    with pytest.raises(DomainError) as excinfo:
                        services.allegation_transition(
                            actor=None, allegation=allegation, to=to, occurred_at=at, **inputs
                        )
                    assert excinfo.value.domain_code == ErrorCode.INVALID_TRANSITION
                    allegation.refresh_from_db()
                    assert allegation.status == status
                    assert AllegationEvent.objects.filter(allegation=allegation).count() == count
                raise Rollback
