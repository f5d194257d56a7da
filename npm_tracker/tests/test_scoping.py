"""Visibility is defined once: ``visible_to(user)`` keeps the records of the user's countries."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cases.models import Allegation, ReferralEvent
from cases.tests.factories import make_allegation, make_referral
from conftest import make_staff
from facilities.models import Facility, Region, Visit, VisitType
from facilities.tests.factories import make_facility, make_visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def both_countries(reference):
    kz = make_visit(make_facility("KZ", name="ИВС Караганда"))
    kg = make_visit(make_facility("KG", name="ИВС Бишкек"))
    return {
        "KZ": make_referral(make_allegation("KZ", facility=None, visit=kz)),
        "KG": make_referral(make_allegation("KG", facility=None, visit=kg)),
    }


@pytest.mark.parametrize(
    ("countries", "expected"), [(("KZ",), {"KZ"}), (("KG",), {"KG"}), (("KZ", "KG"), {"KZ", "KG"})]
)
def test_each_model_shows_only_the_users_countries(both_countries, countries, expected):
    user = make_staff("staff", *countries)
    assert {f.country.code for f in Facility.objects.visible_to(user)} == expected
    assert {v.facility.country.code for v in Visit.objects.visible_to(user)} == expected
    assert {a.country.code for a in Allegation.objects.visible_to(user)} == expected
    visible_referrals = both_countries["KZ"].__class__.objects.visible_to(user)
    assert {r.allegation.country.code for r in visible_referrals} == expected


def test_a_user_without_countries_sees_nothing_and_anonymous_neither(both_countries):
    nobody = make_staff("nobody")
    assert not Facility.objects.visible_to(nobody).exists()
    assert not Allegation.objects.visible_to(AnonymousUser()).exists()
    assert not ReferralEvent.objects.visible_to(nobody).exists()


def test_superuser_sees_everything(both_countries):
    root = make_staff("root", superuser=True)
    assert Facility.objects.visible_to(root).count() == 2


def test_vocabularies_show_shared_items_and_the_users_country(reference):
    kz_user = make_staff("kz", "KZ")
    regions = Region.objects.visible_to(kz_user)
    assert regions.count() == 20
    assert set(regions.values_list("country__code", flat=True)) == {"KZ"}
    codes = set(VisitType.objects.visible_to(kz_user).values_list("code", flat=True))
    assert {"kz_periodic", "thematic", "joint_spt"} <= codes
    assert "kg_comprehensive" not in codes
