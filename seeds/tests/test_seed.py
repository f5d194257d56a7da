"""Reference data and demo data: real content, idempotent loading, deterministic demo."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.models import (
    AllegationSource,
    DeadlineRule,
    Method,
    PlaceOfIncident,
    ProsecutorOffice,
    Referral,
)
from facilities.models import (
    Agency,
    ExaminedArea,
    Facility,
    FacilityType,
    NpmBody,
    ObstacleType,
    Region,
    Visit,
    VisitType,
)
from seeds.demo import build_demo
from seeds.reference import LANGS, load_reference_data

pytestmark = pytest.mark.django_db
VOCABULARIES = (
    Region,
    Agency,
    FacilityType,
    VisitType,
    ExaminedArea,
    ObstacleType,
    Method,
    AllegationSource,
    PlaceOfIncident,
    ProsecutorOffice,
)


def snapshot():
    return {
        model.__name__: sorted(tuple(str(v) for v in row) for row in model.objects.values_list())
        for model in (*VOCABULARIES, NpmBody, DeadlineRule)
    }


def test_running_seed_twice_changes_nothing(reference):
    before = snapshot()
    out = StringIO()
    call_command("seed", stdout=out)
    assert "0 changes" in out.getvalue()
    assert load_reference_data().changed == 0
    assert snapshot() == before


def test_seed_keeps_staff_edits_unless_asked_to_update(reference):
    rule = DeadlineRule.objects.get(country__code="KZ", clock="referral_answer")
    original = rule.duration
    DeadlineRule.objects.filter(pk=rule.pk).update(duration=original + 5)
    assert load_reference_data().changed == 0
    rule.refresh_from_db()
    assert rule.duration == original + 5
    tally = load_reference_data(update=True)
    assert tally.updated == {"deadline rules": 1}
    rule.refresh_from_db()
    assert rule.duration == original


def test_real_regions_of_both_countries(reference):
    kz = Region.objects.filter(country__code="KZ")
    kg = Region.objects.filter(country__code="KG")
    assert kz.filter(kind="region").count() == 17
    assert set(kz.filter(kind="city").values_list("name_en", flat=True)) == {
        "Astana City",
        "Almaty City",
        "Shymkent City",
    }
    assert kg.filter(kind="region").count() == 7
    assert set(kg.filter(kind="city").values_list("name_en", flat=True)) == {
        "Bishkek City",
        "Osh City",
    }


@pytest.mark.parametrize("model", VOCABULARIES)
def test_every_vocabulary_name_exists_in_four_languages(reference, model):
    items = list(model.objects.all())
    assert items
    for item in items:
        names = {lang: getattr(item, f"name_{lang}") for lang in LANGS}
        assert all(names.values()), (item.code, names)
        assert names["ru"] != names["en"] and names["kk"] != names["en"], item.code


def test_deadline_rules_of_the_domain_with_their_sources(reference):
    kz = DeadlineRule.objects.get(country__code="KZ", clock="referral_answer")
    assert (kz.duration, kz.unit) == (15, "working_days")
    assert "15" in kz.legal_source
    periodic = DeadlineRule.objects.get(country__code="KZ", clock="periodic_visit")
    assert (periodic.duration, periodic.unit) == (4, "years")
    assert not DeadlineRule.objects.filter(country__code="KG", clock="periodic_visit").exists()
    kg = DeadlineRule.objects.get(country__code="KG", clock="referral_answer")
    assert kg.verified is False


def test_kyrgyz_npm_body_changes_on_3_october_2025(reference):
    from datetime import date

    kg = NpmBody.objects.filter(country__code="KG")
    assert NpmBody.in_force(kg.first().country, date(2025, 10, 2)).code == "kg_ncpt"
    assert NpmBody.in_force(kg.first().country, date(2025, 10, 3)).code != "kg_ncpt"


def test_demo_is_deterministic_and_built_once(reference):
    summary = build_demo(facilities_per_region=1, seed=11)
    assert summary.startswith("Demo data built")
    first = sorted(Facility.objects.values_list("name", "capacity", "population"))
    stages = sorted(Referral.objects.values_list("status", flat=True))
    visits = sorted(Visit.objects.values_list("facility__name", "started_on", "visit_type__code"))
    assert len(first) == 29
    assert {c for (c,) in Facility.objects.values_list("country__code")} == {"KZ", "KG"}
    assert build_demo(facilities_per_region=1, seed=11).startswith("Demo data already present")
    assert Facility.objects.count() == 29
    # Same inputs, same data: rebuild inside a rolled-back savepoint and compare.
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        Facility.objects.filter(notes="Demo data set").update(notes="renamed")
        build_demo(facilities_per_region=1, seed=11)
        again = sorted(
            Facility.objects.filter(notes="Demo data set").values_list(
                "name", "capacity", "population"
            )
        )
        stages_again = sorted(
            Referral.objects.filter(allegation__facility__notes="Demo data set").values_list(
                "status", flat=True
            )
        )
        transaction.savepoint_rollback(sid)
    assert again == first
    assert stages_again == stages
    assert len(set(stages)) > 1  # walked through the lifecycle, not left as drafts
    assert visits
    for referral in Referral.objects.all():
        assert referral.reference.startswith(referral.allegation.reference)
