"""Staff journeys in a real browser against the running stack: log in with a second factor, log a
visit with the keyboard, enter an allegation raised on it, refer it and record its registration,
see a legal clock overdue, get the visit report as a PDF, switch to Kazakh.

Each journey saves screenshots under var/screenshots/ (``make screenshots`` copies three of them
into docs/images/ for the README).
"""

import pytest

from cases.models import Allegation
from facilities.models import Visit
from facilities.tests.factories import make_facility
from npm_tracker.tests.browser.helpers import (
    add_inline_row,
    assert_usable,
    autocomplete,
    choose_option,
    log_in,
    screenshot,
    tab_to,
    type_into,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_in_with_a_second_factor(page, officer):
    page.goto("/admin/")
    assert "/admin/login/" in page.url
    token_field = page.locator("#id_otp_token")
    assert token_field.is_visible()
    screenshot(page, "login")
    assert_usable(page, "login", buttons=[page.locator("input[type=submit]")])

    def password_alone_is_not_enough(page):
        assert "/admin/login/" in page.url
        assert page.locator(".errornote").first.is_visible()
        screenshot(page, "login-second-step")

    log_in(page, officer, on_password_only=password_alone_is_not_enough)
    assert page.locator("#user-tools").inner_text().upper().find(officer.username.upper()) >= 0
    assert page.get_by_role("heading", name="Monitoring places of detention").is_visible()
    screenshot(page, "home")
    assert_usable(page, "home")


def test_log_an_unannounced_visit_and_the_allegation_raised_on_it(page, officer):
    make_facility("KZ", name="ИВС ДП г. Астаны")
    log_in(page, officer)

    # The visit, its findings and a recommendation, with the keyboard alone.
    page.goto("/admin/facilities/visit/add/")
    autocomplete(page, "id_facility", "ИВС ДП")
    autocomplete(page, "id_visit_type", "Special", expect="Special preventive visit")
    tab_to(page, "#id_announced")
    assert not page.locator("#id_announced").is_checked()  # unannounced
    type_into(page, "#id_started_on", "2026-11-20")
    type_into(page, "#id_ended_on", "2026-11-20")
    type_into(page, "#id_persons_held", "14")
    type_into(page, "#id_interviews_private", "6")
    type_into(page, "#id_summary", "Unannounced night visit after calls to the hotline.")
    findings = [
        ("Treat", "Two detainees describe beatings during questioning."),
        ("Material", "Cells without daylight; no bedding."),
    ]
    for row, (area, text) in enumerate(findings):
        add_inline_row(page, "findings")
        choose_option(page, f"#id_findings-{row}-area", area, backwards=True)
        type_into(page, f"#id_findings-{row}-text", text)
    add_inline_row(page, "recommendations")
    choose_option(page, "#id_recommendations-0-addressee_level", "agency", backwards=True)
    choose_option(page, "#id_recommendations-0-addressee_agency", "Ministry of Internal")
    choose_option(page, "#id_recommendations-0-area", "Treat")
    type_into(
        page,
        "#id_recommendations-0-text",
        "Record every questioning on video and keep the recordings for a year.",
    )
    type_into(page, "#id_recommendations-0-issued_on", "2026-11-21")
    screenshot(page, "visit-form", full_page=True)
    assert_usable(page, "visit-form", buttons=[page.locator("input[name=_save]")])
    tab_to(page, "input[name=_save]")
    page.keyboard.press("Enter")
    page.locator("ul.messagelist .success").wait_for()

    visit = Visit.objects.get()
    assert not visit.announced and visit.visit_type.code == "kz_special"
    assert sorted(f.text for f in visit.findings.all()) == sorted(t for _a, t in findings)
    assert visit.recommendations.get().addressee_agency.code == "kz_mvd"

    # The allegation raised during the visit, entered complete from the visit's page.
    page.goto(f"/admin/facilities/visit/{visit.pk}/change/")
    shown = page.locator("#findings-group textarea:visible").evaluate_all(
        "areas => areas.map(a => a.value)"
    )
    assert sorted(shown) == sorted(t for _a, t in findings)
    page.get_by_role("link", name="Add allegation").click()
    page.wait_for_url(f"**/admin/cases/allegation/add/?visit={visit.pk}")
    assert page.locator("#id_visit option:checked").inner_text().startswith("ИВС ДП")
    assert page.locator("#id_facility option:checked").inner_text() == "ИВС ДП г. Астаны"
    choose_option(page, "#id_assigned_officer", officer.username)
    choose_option(page, "#id_source", "Interview during")
    type_into(page, "#id_received_at_0", "2026-11-20")
    type_into(page, "#id_received_at_1", "23:40")
    choose_option(page, "#id_place_of_incident", "At a police")
    type_into(page, "#id_incident_date", "2026-11-18")
    autocomplete(page, "id_methods", "Blunt")
    type_into(page, "#id_summary", "Beaten with a baton during questioning at the police station.")
    type_into(page, "#id_injuries", "Bruises on the back and the soles of the feet.")
    tab_to(page, "#id_serious_injury")
    choose_option(page, "#id_reprisal_risk", "medium")
    choose_option(page, "#id_victim-0-sex", "male")
    type_into(page, "#id_victim-0-full_name", "Серік Жанұлы Ахметов")
    type_into(page, "#id_victim-0-date_of_birth", "1994-05-02")
    type_into(page, "#id_victim-0-citizenship", "KZ")
    add_inline_row(page, "consents")
    choose_option(
        page, "#id_consents-0-destination", "disclosure to the prosecutor", backwards=True
    )
    type_into(page, "#id_consents-0-granted_on", "2026-11-20")
    choose_option(page, "#id_consents-0-form", "written")
    add_inline_row(page, "perpetrators")
    choose_option(page, "#id_perpetrators-0-agency", "Ministry of Internal", backwards=True)
    type_into(page, "#id_perpetrators-0-unit", "Criminal police, district 2")
    type_into(page, "#id_perpetrators-0-rank", "captain")
    type_into(page, "#id_perpetrators-0-name", "Б. Исаев")
    screenshot(page, "allegation-form", full_page=True)
    assert_usable(page, "allegation-form", buttons=[page.locator("input[name=_save]")])
    tab_to(page, "input[name=_save]")
    page.keyboard.press("Enter")
    page.locator("ul.messagelist .success").wait_for()

    allegation = Allegation.objects.get()
    assert allegation.visit == visit and allegation.facility == visit.facility
    assert allegation.assigned_officer == officer
    assert [m.code for m in allegation.methods.all()] == ["blunt_trauma"]
    assert allegation.victim.full_name == "Серік Жанұлы Ахметов"
    assert allegation.consents.get().destination == "prosecutor"
    assert allegation.perpetrators.get().name == "Б. Исаев"
    assert allegation.reference.startswith("KZ-2026-")

    page.goto(f"/admin/facilities/visit/{visit.pk}/change/")
    assert page.locator("#allegations-group").get_by_text(allegation.reference).first.is_visible()
    screenshot(page, "visit")
    screenshot(page, "visit-full", full_page=True)
