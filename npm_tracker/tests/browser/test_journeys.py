"""Staff journeys in a real browser against the running stack: log in with a second factor, log a
visit with the keyboard, enter an allegation raised on it, refer it and record its registration,
see a legal clock overdue, get the visit report as a PDF, switch to Kazakh.

Each journey saves screenshots under var/screenshots/ (``make screenshots`` copies three of them
into docs/images/ for the README).
"""

import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Allegation, Referral
from cases.tests.factories import make_allegation, make_referral
from facilities.models import ExaminedArea, Visit
from facilities.tests.factories import make_facility, make_visit
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
from reports.models import ReportRun

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


def test_refer_an_allegation_and_record_its_erdr_registration(page, officer):
    allegation = make_allegation("KZ", assigned_officer=officer)
    log_in(page, officer)

    # The referral is added on the allegation's page, addressed with the autocomplete.
    page.goto(f"/admin/cases/allegation/{allegation.pk}/change/")
    add_inline_row(page, "referrals")
    autocomplete(page, "id_referrals-0-prosecutor_office", "Prosecutor General", backwards=True)
    tab_to(page, "input[name=_continue]")
    page.keyboard.press("Enter")
    page.locator("ul.messagelist .success").wait_for()
    referral = Referral.objects.get(allegation=allegation)
    assert referral.status == "draft" and referral.prosecutor_office.code == "kz_gpo"

    # The allowed steps are buttons on the referral's page; each asks for what it needs.
    page.locator("#referrals-group a.inlinechangelink").click()
    page.wait_for_url(f"**/admin/cases/referral/{referral.pk}/change/")
    assert page.locator(".object-tools a.npm-step").all_inner_texts() == ["SENT TO THE PROSECUTOR"]
    page.get_by_role("link", name="sent to the prosecutor").click()
    submit = page.locator("input[type=submit][value='Record this step']")
    assert_usable(page, "referral-send", buttons=[submit])
    submit.click()
    page.locator("ul.messagelist .success").wait_for()

    page.get_by_role("link", name="registered", exact=True).click()
    tab_to(page, "#id_external_number")
    page.keyboard.press("Enter")  # without the ERDR number the step is refused
    page.locator(".errorlist").first.wait_for()
    assert Referral.objects.get(pk=referral.pk).status == "sent"
    type_into(page, "#id_external_number", "261500031000123")
    page.keyboard.press("Enter")
    page.locator("ul.messagelist .success").wait_for()

    referral.refresh_from_db()
    allegation.refresh_from_db()
    assert referral.status == "registered" and referral.external_number == "261500031000123"
    assert allegation.status == "referred"
    assert "261500031000123" in page.locator("div.field-external_number").inner_text()
    assert page.locator("div.field-status").inner_text().endswith("registered")
    clocks = page.locator("div.field-clocks").inner_text()
    assert "Referral answer" in clocks or "referral answer" in clocks.lower()
    screenshot(page, "referral")
    assert_usable(page, "referral")


def test_a_legal_deadline_is_shown_overdue_and_its_officer_is_told(page, officer, stack):
    now = timezone.now()
    allegation = make_allegation(
        "KZ", assigned_officer=officer, received_at=now - timedelta(days=45)
    )
    referral = make_referral(allegation)
    # Sent five weeks ago: the 15 working days the prosecutor had to answer are over.
    case_services.referral_transition(
        actor=officer, referral=referral, kind="sent", occurred_at=now - timedelta(days=35)
    )
    deadline = referral.deadlines.get()
    assert deadline.due_at < now and deadline.met_at is None

    log_in(page, officer)
    page.goto(f"/admin/cases/referral/{referral.pk}/change/")
    clocks = page.locator("div.field-clocks")
    assert clocks.locator("strong.errornote", has_text="OVERDUE").is_visible()
    assert deadline.legal_source and deadline.legal_source in clocks.inner_text()
    screenshot(page, "referral-overdue")

    # Celery beat runs the overdue scan; the worker tells the responsible officer once.
    for _ in range(60):
        deadline.refresh_from_db()
        if deadline.overdue_notified_at is not None:
            break
        time.sleep(1)
    assert deadline.overdue_notified_at is not None, stack.logs()
    mails = [p.read_text() for p in stack.mail_dir.glob("*.log")]
    assert any(referral.reference in m and officer.email in m for m in mails), mails
    page.reload()
    assert page.locator("div.field-clocks strong.errornote", has_text="OVERDUE").is_visible()


def test_make_and_download_the_visit_report(page, officer):
    visit = make_visit(
        make_facility("KZ", name="ИВС ДП г. Астаны"),
        actor=officer,
        started_on=date(2026, 11, 20),
        findings=[
            {"area": ExaminedArea.objects.get(code="treatment"), "text": "Beatings described."}
        ],
    )
    log_in(page, officer)
    page.goto(f"/admin/facilities/visit/{visit.pk}/change/")
    page.get_by_role("link", name="Make the report (PDF)").click()
    page.wait_for_url("**/admin/reports/reportrun/add/**")
    assert page.locator("#id_kind").input_value() == "visit"
    assert page.locator("#id_visit option:checked").inner_text().startswith("ИВС ДП")
    page.locator("input[name=_save]").click()

    # The run's page refreshes itself while the worker renders the PDF; nothing blocks.
    page.wait_for_url("**/admin/reports/reportrun/*/change/")
    run = ReportRun.objects.get()
    screenshot(page, "report-requested")
    download = page.get_by_role("link", name="Download PDF").first
    download.wait_for(timeout=180_000)
    run.refresh_from_db()
    assert run.status == "done" and run.is_current
    assert page.locator("div.field-is_current img").get_attribute("alt") == "True"
    screenshot(page, "report-ready")
    assert_usable(page, "report-ready", buttons=[download])
    with page.expect_download() as event:
        download.click()
    pdf = Path(event.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) == run.size
    assert event.value.suggested_filename.endswith(".pdf")


def test_switch_the_language_to_kazakh_on_the_same_page(page, officer):
    visit = make_visit(make_facility("KZ", name="ИВС ДП г. Астаны"), actor=officer)
    log_in(page, officer)
    url = f"/admin/facilities/visit/{visit.pk}/change/"
    page.goto(url)
    assert page.locator("label[for=id_visit_type]").text_content() == "Visit type:"
    switcher = page.locator("form.npm-language")
    switcher.locator("select").select_option("kk")
    switcher.get_by_role("button").click()

    page.wait_for_url(f"**{url}")
    assert page.locator("html").get_attribute("lang") == "kk"
    # Labels from locale/kk/LC_MESSAGES/django.po.
    assert page.locator("label[for=id_visit_type]").text_content() == "Бару түрі:"
    assert page.get_by_role("link", name="Есепті жасау (PDF)").is_visible()
    assert page.locator("#findings-group h2").first.text_content().strip() == "Тұжырымдар"
    officer.staff_profile.refresh_from_db()
    assert officer.staff_profile.preferred_language == "kk"
    screenshot(page, "visit-kk")
    assert_usable(page, "visit-kk", buttons=[page.locator("input[name=_save]")])


def test_the_browser_reports_csp_violations_to_the_tests(page, problems):
    """The watch on every page works: inline style and script are refused and reported."""
    page.goto("/admin/login/")
    page.evaluate(
        """() => {
            document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>');
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.appendChild(script);
        }"""
    )
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.inlineRan") is None
    reported = "\n".join(problems.messages)
    assert "style-src" in reported and "script-src" in reported, reported
    problems.messages.clear()  # expected here; any other test fails on them
