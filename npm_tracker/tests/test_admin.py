"""The staff admin: every list, add and change page opens; what a user sees is scoped to their
countries (lists, forms, autocomplete); a whole visit is logged on one page; bad input is
refused with a message and saves nothing."""

from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from cases.models import Allegation, Victim
from conftest import make_staff
from facilities.models import (
    ExaminedArea,
    Facility,
    Recommendation,
    Visit,
    VisitFinding,
    VisitTeamMember,
    VisitType,
)
from facilities.tests.factories import make_facility
from seeds.demo import build_demo

pytestmark = pytest.mark.django_db

DOMAIN_APPS = ("facilities", "cases", "npm_tracker")


@pytest.fixture
def demo(reference):
    build_demo(facilities_per_region=2, seed=7, regions_per_country=3)


def admin_urls(models_filter):
    for model, model_admin in admin.site._registry.items():
        if not models_filter(model):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        yield model, model_admin, info


def test_every_domain_list_add_and_change_page_opens_for_scoped_staff(client, demo):
    user = make_staff("monitor", "KZ", "KG")
    client.force_login(user)
    opened = 0
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin, info in admin_urls(lambda m: m._meta.app_label in DOMAIN_APPS):
        response = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        assert response.status_code == 200, (info, response.status_code)
        response = client.get(reverse(f"admin:{info[0]}_{info[1]}_add"))
        # Follow-ups open themselves from an allegation's facts: they have no add page.
        expected = 200 if model_admin.has_add_permission(request) else 403
        assert response.status_code == expected, (info, response.status_code)
        obj = model._default_manager.first()
        if obj is not None:
            response = client.get(reverse(f"admin:{info[0]}_{info[1]}_change", args=[obj.pk]))
            assert response.status_code == 200, (info, response.status_code)
        opened += 1
    assert opened >= 20
    for model in (Facility, Visit, Recommendation, Allegation):
        assert model.objects.exists(), model


def test_every_admin_page_opens_for_a_superuser(admin_client, demo):
    for _model, model_admin, info in admin_urls(lambda m: True):
        assert admin_client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist")).status_code == 200
        if model_admin.has_add_permission(_request_for(admin_client)):
            assert admin_client.get(reverse(f"admin:{info[0]}_{info[1]}_add")).status_code == 200, (
                info
            )


def _request_for(client):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="admin")
    return request


def test_lists_and_pages_are_scoped_by_country(client, demo):
    kz_only = make_staff("kz-monitor", "KZ")
    client.force_login(kz_only)
    kg_facility = Facility.objects.filter(country__code="KG").first()
    kz_facility = Facility.objects.filter(country__code="KZ").first()
    page = client.get(reverse("admin:facilities_facility_changelist") + "?all=")
    assert kz_facility.name in page.content.decode()
    assert kg_facility.name not in page.content.decode()
    assert all(f.country.code == "KZ" for f in page.context["cl"].result_list)
    # Out of scope behaves like a record that does not exist.
    response = client.get(reverse("admin:facilities_facility_change", args=[kg_facility.pk]))
    assert response.status_code == 302
    kg_allegation = Allegation.objects.filter(country__code="KG").first()
    if kg_allegation is not None:
        response = client.get(reverse("admin:cases_allegation_change", args=[kg_allegation.pk]))
        assert response.status_code == 302


def test_autocomplete_and_choices_offer_only_visible_records(client, demo):
    client.force_login(make_staff("kz-monitor", "KZ"))
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "facilities", "model_name": "visit", "field_name": "facility", "term": ""},
    )
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids
    assert ids <= {
        str(pk) for pk in Facility.objects.filter(country__code="KZ").values_list("pk", flat=True)
    }
    form = client.get(reverse("admin:facilities_facility_add")).context["adminform"].form
    assert set(form.fields["country"].queryset.values_list("code", flat=True)) == {"KZ"}


def _visit_post(facility, visit_type, **overrides):
    area = ExaminedArea.objects.get(code="material_conditions")
    data = {
        "facility": str(facility.pk),
        "visit_type": str(visit_type.pk),
        "announced": "",
        "started_on": "2026-03-02",
        "ended_on": "2026-03-03",
        "persons_held": "14",
        "interviews_private": "6",
        "interviews_group": "1",
        "summary": "Unannounced night visit.",
    }
    prefixes = {
        "team": 1,
        "findings": 1,
        "obstacles": 0,
        "dissenting_opinions": 0,
        "recommendations": 1,
        "allegations": 0,
    }
    for prefix, total in prefixes.items():
        data[f"{prefix}-TOTAL_FORMS"] = str(total)
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
    data.update(
        {
            "team-0-role": "doctor",
            "team-0-full_name": "Асель Каримова",
            "team-0-organisation": "Coalition of NGOs against torture",
            "findings-0-area": str(area.pk),
            "findings-0-text": "No natural light in cells 3 and 4.",
            "recommendations-0-addressee_level": "facility",
            "recommendations-0-addressee_agency": str(facility.agency_id),
            "recommendations-0-area": str(area.pk),
            "recommendations-0-text": "Provide natural light in every cell.",
        }
    )
    data.update(overrides)
    return data


def test_a_whole_visit_is_logged_on_one_page(client, reference):
    user = make_staff("kz-monitor", "KZ")
    client.force_login(user)
    facility = make_facility()
    response = client.post(
        reverse("admin:facilities_visit_add"),
        _visit_post(facility, VisitType.objects.get(code="kz_special")),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    visit = Visit.objects.get()
    assert visit.created_by == user
    assert visit.npm_body.code == "kz_commissioner"
    assert VisitTeamMember.objects.get(visit=visit).full_name == "Асель Каримова"
    assert VisitFinding.objects.filter(visit=visit).count() == 1
    recommendation = Recommendation.objects.get(visit=visit)
    assert recommendation.country.code == "KZ"
    assert recommendation.status == "draft"


def test_bad_visit_shows_a_message_and_saves_nothing(client, reference):
    # A user of both countries may pick a KG visit type; the visit still follows KZ law.
    client.force_login(make_staff("regional-monitor", "KZ", "KG"))
    facility = make_facility()
    response = client.post(
        reverse("admin:facilities_visit_add"),
        _visit_post(facility, VisitType.objects.get(code="kg_interim"), ended_on="2026-03-01"),
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "A visit cannot end before it starts." in content
    assert "belongs to another country" in content
    assert not Visit.objects.exists()
    assert not VisitTeamMember.objects.exists()


def test_bad_input_is_explained_in_the_users_language(client, reference):
    user = make_staff("kz-monitor", "KZ")
    client.force_login(user)
    facility = make_facility()
    response = client.post(
        reverse("admin:facilities_visit_add"),
        _visit_post(facility, VisitType.objects.get(code="kz_special"), persons_held="-3"),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 200
    assert "Убедитесь, что это значение больше либо равно 0." in response.content.decode()
    assert not Visit.objects.exists()


def test_allegation_added_from_a_visit_gets_reference_and_victim(client, reference):
    client.force_login(make_staff("kz-monitor", "KZ"))
    facility = make_facility()
    visit_type = VisitType.objects.get(code="kz_special")
    from cases.models import AllegationSource, PlaceOfIncident

    data = _visit_post(facility, visit_type)
    data.update(
        {
            "allegations-TOTAL_FORMS": "1",
            "allegations-0-source": str(AllegationSource.objects.get(code="visit_interview").pk),
            "allegations-0-received_at_0": "2026-03-02",
            "allegations-0-received_at_1": "11:00",
            "allegations-0-place_of_incident": str(PlaceOfIncident.objects.get(code="arrest").pk),
            "allegations-0-incident_date": "2026-02-27",
            "allegations-0-summary": "Beaten during arrest.",
            "allegations-0-reprisal_risk": "high",
        }
    )
    response = client.post(reverse("admin:facilities_visit_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    allegation = Allegation.objects.get()
    assert allegation.reference == "KZ-2026-000001"
    assert allegation.facility == facility
    assert Victim.objects.filter(allegation=allegation).exists()
    visit_page = client.get(reverse("admin:facilities_visit_change", args=[allegation.visit_id]))
    add_url = reverse("admin:cases_allegation_add") + f"?visit={allegation.visit_id}"
    assert f'href="{add_url}"' in visit_page.content.decode()
    page = client.get(add_url)
    assert page.context["adminform"].form.initial["facility"] == facility.pk


def test_evidence_has_no_delete_button(client, demo):
    client.force_login(make_staff("monitor", "KZ", "KG"))
    allegation = Allegation.objects.first()
    url = reverse("admin:cases_allegation_delete", args=[allegation.pk])
    assert client.get(url).status_code == 403
    assert Allegation.objects.filter(pk=allegation.pk).exists()


def test_officer_sees_referrals_and_their_timeline_on_the_allegation(client, reference):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cases.models import ReferralEvent
    from cases.tests.factories import make_referral

    client.force_login(make_staff("kz-officer", "KZ"))
    referral = make_referral()
    ReferralEvent.objects.create(
        referral=referral,
        kind="sent",
        occurred_at=datetime(2026, 3, 3, 9, tzinfo=ZoneInfo("Asia/Almaty")),
        note="By courier",
    )
    page = client.get(reverse("admin:cases_allegation_change", args=[referral.allegation_id]))
    content = page.content.decode()
    assert referral.reference in content
    assert "By courier" in content
    assert date(2026, 3, 3).strftime("%Y") in content


def test_date_times_are_shown_in_the_time_zone_of_the_users_country(client, reference):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from cases.tests.factories import make_allegation

    allegation = make_allegation(
        "KG", received_at=datetime(2026, 3, 2, 4, 0, tzinfo=ZoneInfo("UTC"))
    )
    client.force_login(make_staff("kg-officer", "KG"))
    page = client.get(reverse("admin:cases_allegation_change", args=[allegation.pk]))
    # 04:00 UTC is 10:00 in Bishkek (UTC+6); Almaty (UTC+5), the default zone, would show 09:00.
    content = page.content.decode()
    assert 'value="10:00:00"' in content
    assert 'value="09:00:00"' not in content
