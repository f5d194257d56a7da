"""Each report kind in each language, from a known data set: the PDF's text holds the exact counts
and names put in, every font is embedded, and the public version gives nobody away."""

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services as case_services
from cases.models import ProsecutorOffice
from facilities.models import Country
from npm_tracker.core import integrity
from npm_tracker.core.models import translated
from npm_tracker.tests.untranslated import untranslated
from reports import documents, services
from reports.models import ReportRun
from reports.tests.factories import (
    FACILITY_NAME,
    Q1,
    VICTIM_NAME,
    complete_visit,
    known_quarter,
)

LANGUAGES = ("en", "ru", "kk", "ky")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def produce(layout=True, **key) -> tuple[ReportRun, str]:
    """Ask for a run and render it here (what the worker does), then return it and its text."""
    key.setdefault("country", Country.objects.get(code="KZ"))
    key.setdefault("version", "internal")
    run, _created = services.request_run(actor=None, **key)
    assert services.render(run.pk) == "done", ReportRun.objects.get(pk=run.pk).error
    run.refresh_from_db()
    return run, pdf_text(served(run), layout=layout)


def served(run) -> Path:
    """The PDF as a download serves it (stored encrypted), in a file for poppler's tools."""
    path = Path(settings.MEDIA_ROOT).parent / f"served-{run.pk}.pdf"
    if not path.exists():
        with run.file.open("rb") as stored:
            path.write_bytes(stored.read())
    return path


def pdf_text(path, *, layout=True) -> str:
    """The PDF's text: laid out as on the page (rows of tables on one line), or in reading order
    with all white space collapsed (cells that wrap read as one piece)."""
    options = ["-layout"] if layout else []
    text = subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return re.sub(r"[ \t]+", " ", text) if layout else " ".join(text.split())


def fonts_of(path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def row(text, name, count) -> bool:
    """A table row (or chart bar) of ``name`` showing ``count``."""
    return re.search(rf"{re.escape(name)} {re.escape(str(count))}(\s|$)", text) is not None


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_periodic_statistics_show_the_counts_and_names_put_in(reference, language):
    data = known_quarter()
    run, text = produce(
        kind="periodic_statistics", period_start=Q1[0], period_end=Q1[1], language=language
    )
    name = lambda obj: translated(obj, "name", language)  # noqa: E731
    assert row(text, name(data["region"]), 6), text
    assert row(text, name(data["written"]), 5)
    assert row(text, name(data["hotline"]), 2)
    assert row(text, name(data["delayed"]), 2)
    assert row(text, name(data["trauma"]), 3)
    assert VICTIM_NAME not in text
    # The NPM body of the period and the page numbers.
    assert translated(data["visits"][0].npm_body, "name", language)[:30] in text.replace("\n", " ")
    assert re.search(r"\b1 / \d+\b", text)
    assert run.sha256 and run.size > 1000
    assert all(font[-5] == "yes" for font in fonts_of(served(run))), fonts_of(served(run))


@pytest.mark.django_db
def test_periodic_statistics_figures(reference):
    """The figures behind the PDF, one by one."""
    from reports import selectors

    data = known_quarter()
    scope = selectors.Scope(Country.objects.get(code="KZ"), *Q1)
    figures = selectors.periodic_statistics(scope)
    assert figures["visits"]["total"] == 6
    assert figures["visits"]["unannounced"] == 6
    assert figures["obstacles"]["visits_with_obstacles"] == 2
    assert figures["allegations"]["total"] == 7
    assert {r["code"]: r["count"] for r in figures["allegations"]["by_source"]} == {
        "written_complaint": 5,
        "hotline": 2,
    }
    assert figures["referrals"]["total"] == 3
    assert {r["code"]: r["count"] for r in figures["referrals"]["by_status"]} == {
        "registered": 1,
        "sent": 2,
    }
    stages = {r["code"]: r for r in figures["referrals"]["median_days_by_stage"]}
    assert stages["sent"]["median_days"] == 2.0 and stages["sent"]["count"] == 1
    assert figures["recommendations"]["issued"] == 5
    assert figures["recommendations"]["implementation_rate"] == 0.0
    # Out of the period, nothing: the previous quarter is empty.
    empty = selectors.periodic_statistics(
        selectors.Scope(scope.country, date(2025, 10, 1), date(2025, 12, 31))
    )
    assert empty["visits"]["total"] == 0 and empty["allegations"]["total"] == 0
    # Narrowed to another region, nothing either.
    other = selectors.Scope(
        scope.country, *Q1, region=data["region"].__class__.objects.get(code="kz_abai")
    )
    assert selectors.periodic_statistics(other)["visits"]["total"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_annual_report_shows_trends_and_facilities_not_visited(reference, language):
    data = known_quarter()
    run, text = produce(
        kind="annual",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        language=language,
    )
    assert row(text, translated(data["region"], "name", language), 6)
    flat = pdf_text(served(run), layout=False)
    assert FACILITY_NAME in flat  # never periodically visited to completion: listed
    assert VICTIM_NAME not in text
    assert all(font[-5] == "yes" for font in fonts_of(served(run)))


@pytest.mark.django_db
def test_annual_report_prints_the_root_of_the_tamper_evident_history(reference, monkeypatch):
    """The root of the last whole day before the report was made, as the roots endpoint
    publishes it for that day, with the number of records it covers."""
    known_quarter()
    integrity.seal()
    made = timezone.now() + timedelta(days=2)  # today's records are in yesterday's root then
    monkeypatch.setattr(documents.timezone, "now", lambda: made)
    country = Country.objects.get(code="KZ")
    day = timezone.localtime(made, country.zone).date() - timedelta(days=1)
    expected = integrity.root_of(country, day)
    assert expected["root"] and expected["records"] > 0
    _run, flat = produce(
        kind="annual",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        language="en",
        layout=False,
    )
    assert "Tamper-evident history" in flat
    assert expected["root"] in flat.replace(" ", "")
    assert f"{expected['records']} " in flat


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_visit_report_carries_team_findings_obstacles_and_recommendations(reference, language):
    data = known_quarter()
    visit = complete_visit(data["facility"])
    allegation = data["allegations"][0]
    allegation.visit = visit
    case_services.allegation_save(actor=None, allegation=allegation)
    run, flat = produce(kind="visit", visit=visit, language=language, layout=False)
    assert FACILITY_NAME in flat
    assert "Марат Наблюдателев" in flat
    assert "Cells without daylight." in flat
    assert "Open cell windows." in flat
    assert translated(data["delayed"], "name", language) in flat
    assert translated(data["facility"].region, "name", language) in flat
    assert allegation.reference in flat and allegation.victim.pseudonym in flat
    assert VICTIM_NAME not in flat
    assert all(font[-5] == "yes" for font in fonts_of(served(run)))


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_referral_letter_names_the_person_only_with_consent(reference, language):
    data = known_quarter()
    referral = data["referrals"][1]
    allegation = referral.allegation
    _run, flat = produce(kind="referral_letter", referral=referral, language=language, layout=False)
    office = ProsecutorOffice.objects.get(code="kz_po_karaganda")
    assert translated(office, "name", language) in flat
    assert referral.reference in flat and allegation.reference in flat
    assert allegation.summary in flat
    assert translated(data["trauma"], "name", language)[:20] in flat
    assert VICTIM_NAME not in flat
    assert allegation.victim.pseudonym in flat

    case_services.consent_grant(
        actor=None,
        allegation=allegation,
        destination="prosecutor",
        granted_on=date(2026, 3, 1),
        form="written",
    )
    _run, text = produce(kind="referral_letter", referral=referral, language=language, refresh=True)
    assert VICTIM_NAME in " ".join(text.split())

    consent = allegation.consents.get(destination="prosecutor", withdrawn_on__isnull=True)
    case_services.consent_withdraw(actor=None, consent=consent, withdrawn_on=date(2026, 3, 5))
    _run, text = produce(kind="referral_letter", referral=referral, language=language, refresh=True)
    assert VICTIM_NAME not in " ".join(text.split())


@pytest.mark.django_db
def test_public_version_suppresses_small_cells_and_names_nobody(reference):
    data = known_quarter()
    visit = complete_visit(data["facility"])
    for allegation in data["allegations"][:2]:
        allegation.visit = visit
        case_services.allegation_save(actor=None, allegation=allegation)
    for allegation in data["allegations"]:
        case_services.consent_grant(
            actor=None,
            allegation=allegation,
            destination="prosecutor",
            granted_on=date(2026, 3, 1),
            form="written",
        )
    _run, text = produce(
        kind="periodic_statistics",
        period_start=Q1[0],
        period_end=Q1[1],
        language="en",
        version="public",
    )
    assert row(text, data["written"].name_en, 5)
    assert row(text, data["hotline"].name_en, "<5")
    assert not row(text, data["hotline"].name_en, 2)
    assert row(text, data["delayed"].name_en, "<5")
    assert "public version" in text.lower()
    assert VICTIM_NAME not in text

    _run, flat = produce(kind="visit", visit=visit, language="en", version="public", layout=False)
    assert VICTIM_NAME not in flat
    for allegation in data["allegations"][:2]:
        assert allegation.victim.pseudonym not in flat
        assert allegation.reference not in flat
    assert "registered: <5" in flat


@pytest.mark.django_db
def test_asking_again_returns_the_run_and_refresh_replaces_it(reference):
    kz = Country.objects.get(code="KZ")
    key = {
        "kind": "periodic_statistics",
        "country": kz,
        "period_start": Q1[0],
        "period_end": Q1[1],
        "language": "ru",
        "version": "internal",
    }
    first, created = services.request_run(actor=None, **key)
    again, created_again = services.request_run(actor=None, **key)
    assert created and not created_again and again.pk == first.pk
    fresh, created_fresh = services.request_run(actor=None, refresh=True, **key)
    assert created_fresh and fresh.pk != first.pk
    first.refresh_from_db()
    assert not first.is_current and fresh.is_current
    assert ReportRun.objects.filter(is_current=True, kind="periodic_statistics").count() == 1


@pytest.mark.django_db
def test_a_failure_is_shown_and_a_retry_runs_under_the_same_id(reference, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker
    run, _ = services.request_run(
        actor=None,
        kind="periodic_statistics",
        country=Country.objects.get(code="KZ"),
        period_start=Q1[0],
        period_end=Q1[1],
        language="en",
        version="internal",
    )
    assert services.render(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "NotADirectoryError" in run.error and not run.file
    settings.MEDIA_ROOT = tmp_path / "media"
    again, created = services.request_run(
        actor=None,
        kind="periodic_statistics",
        country=run.country,
        period_start=Q1[0],
        period_end=Q1[1],
        language="en",
        version="internal",
    )
    assert not created and again.pk == run.pk and again.status == "pending"
    assert services.render(run.pk) == "done"
    run.refresh_from_db()
    assert run.attempts == 2 and run.error == "" and run.file


def test_the_pdf_may_only_read_its_own_assets():
    from weasyprint.urls import FatalURLFetchingError

    from reports.pdf import html_to_pdf

    with pytest.raises(FatalURLFetchingError, match="Error fetching"):
        html_to_pdf('<link rel="stylesheet" href="file:///etc/passwd">')
    with pytest.raises(FatalURLFetchingError, match="Error fetching"):
        html_to_pdf('<img src="http://127.0.0.1:9/x.png">')


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period", "body"),
    [
        ((date(2024, 1, 1), date(2024, 12, 31)), "kg_ncpt"),
        ((date(2026, 1, 1), date(2026, 3, 31)), "kg_akyikatchy"),
    ],
)
def test_kyrgyz_reports_carry_the_body_holding_the_mandate_in_the_period(reference, period, body):
    from facilities.models import NpmBody

    _run, text = produce(
        kind="periodic_statistics",
        country=Country.objects.get(code="KG"),
        period_start=period[0],
        period_end=period[1],
        language="ky",
        layout=False,
    )
    holder = NpmBody.objects.get(code=body)
    other = NpmBody.objects.filter(country__code="KG").exclude(pk=holder.pk).get()
    assert holder.name_ky[:40] in text
    assert other.name_ky[:40] not in text


def _report_lines(kind, language) -> list[str]:
    """The lines of the PDF of ``kind`` in ``language``, in reading order."""
    data = known_quarter()
    key = {
        "annual": {"period_start": date(2026, 1, 1), "period_end": date(2026, 12, 31)},
        "periodic_statistics": {"period_start": Q1[0], "period_end": Q1[1]},
        "visit": {"visit": complete_visit(data["facility"])},
        "referral_letter": {"referral": data["referrals"][1]},
    }[kind]
    run, _text = produce(kind=kind, language=language, **key)
    return subprocess.run(
        ["pdftotext", str(served(run)), "-"], capture_output=True, text=True, check=True
    ).stdout.splitlines()


KINDS = ("annual", "periodic_statistics", "visit", "referral_letter")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ("ru", "kk", "ky"))
@pytest.mark.parametrize("kind", KINDS)
def test_no_report_shows_an_english_label(reference, kind, language):
    assert untranslated(_report_lines(kind, language), language) == []


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_the_checker_finds_the_labels_of_an_english_report(reference, kind):
    assert len(untranslated(_report_lines(kind, "en"), "en")) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_referral_letter_lists_each_lesion_with_its_opinion_on_the_diagram(reference, language):
    from cases.models import ConsistencyLevel, Lesion

    data = known_quarter()
    referral = data["referrals"][1]
    allegation = referral.allegation
    exam = case_services.medical_examination_add(
        actor=None, allegation=allegation, examined_on=date(2026, 3, 3), istanbul_protocol=True
    )
    level = ConsistencyLevel.objects.order_by("-rank").first()
    case_services.lesion_save(
        actor=None,
        lesion=Lesion(
            examination=exam,
            region="sole",
            side="both",
            type="bruise",
            size="4 × 2 cm",
            description="Кровоподтёки подошв",
            consistency=level,
        ),
    )
    case_services.consent_grant(
        actor=None,
        allegation=allegation,
        destination="prosecutor",
        granted_on=date(2026, 3, 1),
        form="written",
    )
    _run, text = produce(kind="referral_letter", referral=referral, language=language)
    words = set(text.split())  # the table's cells wrap: compare word by word
    assert {"Кровоподтёки", "подошв", "cm"} <= words
    assert set(translated(level, "name", language).split()) <= words
