"""HTTP mechanics every partner relies on: conditional reads (``If-None-Match`` → 304) and
RFC 8288 ``Link`` headers on list pages."""

import re
from datetime import date

import pytest

from facilities.tests.factories import make_facility
from npm_tracker.tests.api_helpers import api_as, assert_problem
from reports.models import ReportRun

pytestmark = pytest.mark.django_db


def links(response) -> dict[str, str]:
    """``{rel: url}`` of a ``Link`` header."""
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]*)>\s*;\s*rel="([^"]+)"', response.get("Link", ""))
    }


def test_a_detail_read_again_with_its_etag_answers_304_without_a_body(reference):
    client = api_as()
    facility = make_facility()
    url = f"/api/v1/facilities/{facility.pk}/"
    first = client.get(url)
    etag = first["ETag"]

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_if_none_match_takes_a_list_weak_tags_and_a_star(reference):
    client = api_as()
    url = f"/api/v1/facilities/{make_facility().pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=f'"other", W/{etag}').status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304


def test_a_changed_record_is_sent_again_with_its_new_etag(reference):
    client = api_as()
    facility = make_facility()
    url = f"/api/v1/facilities/{facility.pk}/"
    etag = client.get(url)["ETag"]
    changed = client.patch(url, {"capacity": 77}, format="json")
    assert changed.status_code == 200

    again = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 200
    assert again.json()["capacity"] == 77
    assert again["ETag"] != etag


def test_reports_answer_304_too(reference):
    client = api_as(scopes="read reports")
    facility = make_facility()
    run = ReportRun.objects.create(
        kind="periodic_statistics",
        country=facility.country,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        language="en",
    )
    url = f"/api/v1/reports/{run.pk}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_unknown_record_is_404_whatever_if_none_match_says(reference):
    client = api_as()
    missing = "/api/v1/facilities/00000000-0000-0000-0000-000000000000/"
    assert client.get(missing, HTTP_IF_NONE_MATCH="*").status_code == 404


def test_list_pages_link_to_the_next_and_previous_pages(reference):
    for n in range(5):
        make_facility(name=f"ИВС {n}")
    client = api_as()

    first = client.get("/api/v1/facilities/?limit=2")
    assert links(first) == {"next": first.json()["next"]}
    second = client.get(links(first)["next"])
    assert links(second) == {"next": second.json()["next"], "prev": second.json()["previous"]}
    last = client.get(client.get(links(second)["next"]).json()["previous"])
    assert last.json()["results"] == second.json()["results"]


def test_a_single_page_has_no_link_header(reference):
    make_facility()
    response = api_as().get("/api/v1/facilities/")
    assert response.status_code == 200
    assert "Link" not in response


def test_an_accept_header_the_api_cannot_answer_gets_406_as_documented(reference):
    response = api_as().get("/api/v1/facilities/", HTTP_ACCEPT="image/png")
    assert_problem(response, 406, "not_acceptable")
