"""Reports in the admin: a button on the visit and referral pages, progress, download, retry."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from reports import services
from reports.models import ReportRun
from reports.tests.factories import complete_visit, known_quarter


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def staff(reference):
    client = Client()
    client.force_login(make_staff("reporter", "KZ"))
    return client


@pytest.mark.django_db
def test_visit_page_button_asks_for_the_report_and_the_run_page_follows_it(staff):
    data = known_quarter()
    visit = complete_visit(data["facility"])
    page = staff.get(reverse("admin:facilities_visit_change", args=[visit.pk])).content.decode()
    start = page.index('class="npm-report" href="') + len('class="npm-report" href="')
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    assert link.startswith(reverse("admin:reports_reportrun_add"))

    form = staff.get(link)
    assert form.status_code == 200
    assert f'<option value="{visit.pk}" selected>' in form.content.decode()
    post = {
        "kind": "visit",
        "country": str(data["facility"].country.pk),
        "visit": str(visit.pk),
        "language": "kk",
        "version": "internal",
    }
    response = staff.post(link, post)
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"{run.pk}/change/")
    pending = staff.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in pending and "Download PDF" not in pending

    # Asking again from the same page opens the same run.
    again = staff.post(link, post)
    assert again["Location"] == response["Location"] and ReportRun.objects.count() == 1

    assert services.render(run.pk) == "done"
    done = staff.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done and "Download PDF" in done
    download = staff.get(reverse("admin:reports_reportrun_download", args=[run.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    listing = staff.get(reverse("admin:reports_reportrun_changelist")).content.decode()
    assert run.download_url() in listing


@pytest.mark.django_db
def test_referral_page_offers_the_letter_and_a_failed_run_can_be_retried(staff, settings, tmp_path):
    data = known_quarter()
    referral = data["referrals"][0]
    page = staff.get(reverse("admin:cases_referral_change", args=[referral.pk])).content.decode()
    assert "kind=referral_letter" in page and f"referral={referral.pk}" in page

    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker
    run, _ = services.request_run(
        actor=None,
        kind="referral_letter",
        country=referral.allegation.country,
        referral=referral,
        language="ru",
        version="internal",
    )
    services.render(run.pk)
    failed = staff.get(reverse("admin:reports_reportrun_change", args=[run.pk])).content.decode()
    assert "NotADirectoryError" in failed and "Retry" in failed
    settings.MEDIA_ROOT = tmp_path / "media"
    response = staff.post(reverse("admin:reports_reportrun_again", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "pending" and ReportRun.objects.count() == 1
    assert services.render(run.pk) == "done"


@pytest.mark.django_db
def test_other_countries_reports_do_not_exist_for_staff(staff, reference):
    from datetime import date

    from facilities.models import Country

    run, _ = services.request_run(
        actor=None,
        kind="periodic_statistics",
        country=Country.objects.get(code="KG"),
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        language="ky",
        version="internal",
    )
    services.render(run.pk)
    assert staff.get(reverse("admin:reports_reportrun_change", args=[run.pk])).status_code == 302
    assert staff.get(reverse("admin:reports_reportrun_download", args=[run.pk])).status_code == 404
    listing = staff.get(reverse("admin:reports_reportrun_changelist")).content.decode()
    assert f"{run.pk}/change/" not in listing
