"""Allegations, victims, consent, evidence and referrals: references, urgency, what is refused,
and what can never be deleted or rewritten."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from cases import services
from cases.models import (
    Agency,
    Allegation,
    Consent,
    DeadlineRule,
    Evidence,
    Perpetrator,
    ReferralEvent,
    Victim,
)
from cases.tests.factories import make_allegation, make_referral
from cases.tests.files import photo
from facilities.tests.factories import country, make_facility, make_visit
from npm_tracker.core.errors import NotDeletable
from npm_tracker.core.models import ReferenceSequence

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")


def test_reference_uses_country_year_of_receipt_in_local_time_and_a_sequence(reference):
    # 2025-12-31 20:30 UTC is already 2026 in Almaty.
    first = make_allegation(received_at=datetime(2025, 12, 31, 20, 30, tzinfo=ZoneInfo("UTC")))
    second = make_allegation(received_at=datetime(2026, 1, 5, 9, 0, tzinfo=ALMATY))
    older = make_allegation(received_at=datetime(2025, 6, 1, 9, 0, tzinfo=ALMATY))
    kg = make_allegation("KG", received_at=datetime(2026, 2, 1, 9, 0, tzinfo=ALMATY))
    assert first.reference == "KZ-2026-000001"
    assert second.reference == "KZ-2026-000002"
    assert older.reference == "KZ-2025-000001"
    assert kg.reference == "KG-2026-000001"


def test_allegation_gets_a_pseudonymised_victim(reference):
    allegation = make_allegation(victim={"full_name": "Иванов Иван", "sex": "male"})
    assert allegation.victim.pseudonym.startswith("V-KZ-")
    assert "Иван" not in allegation.victim.pseudonym


def test_incident_after_receipt_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_allegation(
            received_at=datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY),
            incident_date=date(2026, 3, 3),
        )
    assert "incident_date" in excinfo.value.message_dict
    assert not Allegation.objects.exists()


def test_receipt_in_the_future_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_allegation(received_at=timezone.now() + timedelta(days=1))
    assert "received_at" in excinfo.value.message_dict


def test_facility_or_visit_of_another_country_is_refused(reference):
    with pytest.raises(ValidationError) as excinfo:
        make_allegation("KZ", facility=make_facility("KG", name="ИВС Бишкек"))
    assert "facility" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        make_allegation("KG", facility=None, visit=make_visit())
    assert "visit" in excinfo.value.message_dict


def test_allegation_raised_on_a_visit_takes_its_facility(reference):
    visit = make_visit()
    allegation = make_allegation(facility=None, visit=visit)
    assert allegation.facility_id == visit.facility_id


def test_urgency_from_a_minor_victim_or_the_facts(reference):
    minor = make_allegation(
        incident_date=date(2026, 2, 20),
        victim={"date_of_birth": date(2009, 1, 1), "sex": "male"},
    )
    adult = make_allegation(victim={"date_of_birth": date(1990, 1, 1)})
    injured = make_allegation(serious_injury=True)
    assert minor.urgent and minor.victim.is_minor
    assert not adult.urgent and not adult.victim.is_minor
    assert injured.urgent
    services.allegation_update(actor=None, allegation=injured, serious_injury=False)
    injured.refresh_from_db()
    assert not injured.urgent


def test_a_bad_perpetrator_leaves_nothing_behind_not_even_a_number(reference):
    with pytest.raises(ValidationError):
        make_allegation(perpetrators=[{"agency": Agency.objects.get(code="kg_mvd")}])
    assert not Allegation.objects.exists()
    assert not Victim.objects.exists()
    assert not ReferenceSequence.objects.filter(scope__startswith="allegation:").exists()


def test_status_and_reference_cannot_be_changed_by_an_update(reference):
    allegation = make_allegation()
    for field in ("status", "reference", "urgent"):
        with pytest.raises(ValidationError):
            services.allegation_update(actor=None, allegation=allegation, **{field: "x"})


def test_closed_allegation_needs_a_reason_in_the_database(reference):
    allegation = make_allegation()
    with pytest.raises(IntegrityError), transaction.atomic():
        Allegation.objects.filter(pk=allegation.pk).update(status="closed")


def test_consent_one_in_force_per_destination_withdrawal_and_regrant(reference):
    allegation = make_allegation(
        consents={"prosecutor": {"granted_on": date(2026, 3, 2), "form": "written"}}
    )
    with pytest.raises(ValidationError):
        services.consent_grant(
            actor=None,
            allegation=allegation,
            destination="prosecutor",
            granted_on=date(2026, 3, 3),
            form="oral",
        )
    consent = Consent.objects.get(allegation=allegation)
    with pytest.raises(ValidationError):
        services.consent_withdraw(actor=None, consent=consent, withdrawn_on=date(2026, 3, 1))
    services.consent_set(
        actor=None,
        allegation=allegation,
        destination="prosecutor",
        granted=False,
        on=date(2026, 3, 10),
    )
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2026, 3, 10)
    again = services.consent_set(
        actor=None, allegation=allegation, destination="prosecutor", granted=True, on=date.today()
    )
    assert again.pk != consent.pk
    assert Consent.objects.filter(allegation=allegation).count() == 2


def test_consent_cannot_be_given_in_the_future(reference):
    allegation = make_allegation()
    with pytest.raises(ValidationError) as excinfo:
        services.consent_grant(
            actor=None,
            allegation=allegation,
            destination="spt",
            granted_on=timezone.localdate() + timedelta(days=2),
            form="written",
        )
    assert "granted_on" in excinfo.value.message_dict


def test_evidence_is_fingerprinted_and_its_file_never_rewritten(reference, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    allegation = make_allegation()
    content = photo()
    evidence = services.evidence_add(
        actor=None,
        allegation=allegation,
        file=ContentFile(content, name="injury.jpg"),
        kind="photo",
    )
    import hashlib

    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.filename == "injury.jpg"
    assert "injury" not in evidence.file.name  # the stored name carries no personal data
    with pytest.raises(InternalError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    newer = services.evidence_add(
        actor=None,
        allegation=allegation,
        file=ContentFile(photo(colour=(10, 10, 10)), name="injury2.jpg"),
        kind="photo",
        supersedes=evidence,
    )
    assert evidence.superseded_by == newer


@pytest.mark.parametrize("model", [Allegation, Victim, Consent, Perpetrator])
def test_evidence_records_are_never_deleted(reference, model):
    allegation = make_allegation(
        consents={"prosecutor": {"granted_on": date(2026, 3, 2), "form": "written"}},
        perpetrators=[{"agency": Agency.objects.get(code="kz_mvd"), "rank": "капитан"}],
    )
    obj = model.objects.filter(pk=allegation.pk).first() or model.objects.get(allegation=allegation)
    with pytest.raises(NotDeletable):
        obj.delete()
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [obj.pk])
    assert model.objects.filter(pk=obj.pk).exists()


def test_referral_office_must_be_of_the_allegations_country(reference):
    allegation = make_allegation()
    with pytest.raises(ValidationError) as excinfo:
        make_referral(allegation, office_code="kg_gpo")
    assert "prosecutor_office" in excinfo.value.message_dict


def test_referral_starts_as_a_draft_with_a_reference(reference):
    allegation = make_allegation()
    first = make_referral(allegation)
    second = make_referral(allegation)
    assert first.status == "draft"
    assert first.reference == f"{allegation.reference}-R1"
    assert second.reference == f"{allegation.reference}-R2"


def test_referral_events_are_append_only(reference):
    referral = make_referral()
    event = ReferralEvent.objects.create(
        referral=referral, kind="sent", occurred_at=datetime(2026, 3, 3, 9, tzinfo=ALMATY)
    )
    with pytest.raises(InternalError), transaction.atomic():
        ReferralEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(InternalError), transaction.atomic():
        ReferralEvent.objects.filter(pk=event.pk).delete()


def test_deadline_rules_of_one_clock_may_not_overlap(reference):
    kz = country("KZ")
    rule = DeadlineRule(
        code="kz_referral_answer_test",
        country=kz,
        clock="referral_answer",
        duration=20,
        unit="working_days",
        effective_from=date(2020, 1, 1),
        legal_source="test",
        name_en="test",
    )
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "in force in the same period" in str(excinfo.value)
    rule.duration = 0
    rule.effective_from = date(1990, 1, 1)
    rule.effective_to = date(1990, 12, 31)
    with pytest.raises(ValidationError) as excinfo:
        rule.full_clean()
    assert "duration" in excinfo.value.message_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_deadlinerule WHERE duration <= 0")
        assert cursor.fetchone()[0] == 0


def test_an_allegation_is_updated_with_its_victim_perpetrators_and_consent_in_one_call(reference):
    mvd = Agency.objects.get(code="kz_mvd")
    allegation = make_allegation(
        perpetrators=[{"agency": mvd, "unit": "ИВС", "rank": "капитан", "name": "Серіков"}],
        consents={"publication": {"granted_on": date(2026, 3, 2), "form": "written"}},
    )
    services.allegation_update(
        actor=None,
        allegation=allegation,
        summary="Beaten twice.",
        victim={"full_name": "Асан Ахметов"},
        perpetrators=[
            # The recorded one again, and a new one named twice: one row is added.
            {"agency": mvd, "unit": "ИВС", "rank": "капитан", "name": "Серіков"},
            {"agency": mvd, "unit": "ИВС", "rank": "сержант", "name": ""},
            {"agency": mvd, "unit": "ИВС", "rank": "сержант", "name": ""},
        ],
        consents={"prosecutor": True, "publication": False},
        consents_on=date(2026, 3, 5),
        consent_form="electronic",
    )
    allegation.refresh_from_db()
    assert allegation.summary == "Beaten twice."
    assert Victim.objects.get(allegation=allegation).full_name == "Асан Ахметов"
    assert sorted(allegation.perpetrators.values_list("rank", flat=True)) == ["капитан", "сержант"]
    active = Consent.objects.filter(allegation=allegation, withdrawn_on__isnull=True)
    assert [(c.destination, c.form, c.granted_on) for c in active] == [
        ("prosecutor", "electronic", date(2026, 3, 5))
    ]
    assert Consent.objects.get(destination="publication").withdrawn_on == date(2026, 3, 5)


def test_a_refused_part_of_an_update_changes_nothing(reference):
    allegation = make_allegation()
    with pytest.raises(ValidationError):
        services.allegation_update(
            actor=None,
            allegation=allegation,
            summary="Changed.",
            perpetrators=[{"agency": Agency.objects.get(code="kg_mvd")}],  # another country's
        )
    allegation.refresh_from_db()
    assert allegation.summary == "Beaten at the police station during questioning."
    assert not allegation.perpetrators.exists()
