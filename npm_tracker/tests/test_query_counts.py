"""The number of queries of a list page does not depend on how many rows it shows: API lists and
admin changelists, on a sample of the scale data set (every resource filled, events, clocks)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Allegation, Referral
from conftest import make_staff
from facilities.models import Facility, Recommendation, Visit
from npm_tracker.tests.api_helpers import api_as
from seeds.scale import build_scale

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/facilities/",
    "/api/v1/visits/",
    "/api/v1/recommendations/",
    "/api/v1/allegations/",
    "/api/v1/allegations/?status=referred",
    "/api/v1/referrals/",
    "/api/v1/referrals/?status=sent",
    "/api/v1/referrals/?overdue=true",
]


@pytest.fixture
def scale_sample(reference):
    build_scale(0.01)


@pytest.mark.parametrize("path", LISTS)
def test_api_list_queries_do_not_grow_with_the_page(scale_sample, path):
    client = api_as(scopes="read confidential")
    sep = "&" if "?" in path else "?"
    with CaptureQueriesContext(connection) as few:
        small = client.get(f"{path}{sep}limit=2")
    with CaptureQueriesContext(connection) as many:
        large = client.get(f"{path}{sep}limit=100")
    assert small.status_code == large.status_code == 200
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) > 2
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


def test_inactive_facilities_cost_no_queries_of_their_own(scale_sample):
    """Closed facilities have no periodic visit due; the page knows that without asking."""
    client = api_as(scopes="read")
    # The newest (first on a page) stays open: both pages compute a due date.
    newest = Facility.objects.filter(country__code="KZ").order_by("-created_at", "-id").first()
    Facility.objects.filter(country__code="KZ").exclude(pk=newest.pk).update(is_active=False)
    with CaptureQueriesContext(connection) as few:
        small = client.get("/api/v1/facilities/?limit=1")
    with CaptureQueriesContext(connection) as many:
        large = client.get("/api/v1/facilities/?limit=100")
    rows = large.json()["results"]
    assert [row["id"] for row in small.json()["results"]] == [str(newest.pk)]
    assert len(rows) > 2
    assert sum(not row["is_active"] for row in rows) >= 2
    assert all(row["periodic_visit_due_on"] is None for row in rows if not row["is_active"])
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


@pytest.mark.parametrize("model", [Allegation, Referral, Visit, Recommendation, Facility])
def test_admin_changelist_queries_do_not_grow_with_the_page(scale_sample, client, model):
    user = make_staff("bench-reader", "KZ", "KG", superuser=True)
    client.force_login(user)
    model_admin = admin.site._registry[model]
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    counts, shown = [], []
    original = model_admin.list_per_page
    try:
        for per_page in (2, 50):
            model_admin.list_per_page = per_page
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200
            shown.append(len(response.context["cl"].result_list))
            counts.append(len(queries))
    finally:
        model_admin.list_per_page = original
    assert shown[0] == 2 < shown[1]
    assert counts[0] == counts[1]
