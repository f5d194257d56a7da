"""Risk-based visit planning: facilities ranked by what a monitor would weigh, with reasons."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.planning import visit_planning
from cases.tests.factories import make_allegation
from conftest import make_staff
from facilities import services
from facilities.tests.factories import make_facility, make_visit

pytestmark = pytest.mark.django_db
ALMATY = ZoneInfo("Asia/Almaty")


def test_facilities_are_ranked_with_their_reasons(client, reference):
    user = make_staff("kz-head", "KZ")
    quiet = make_facility(name="Quiet IVS", registered_on=date(2024, 1, 1), population=10)
    visit = make_visit(quiet, started_on=date(2026, 6, 1), ended_on=date(2026, 6, 1))
    at = datetime(2026, 6, 1, 9, tzinfo=ALMATY)
    services.visit_transition(actor=None, visit=visit, to="in_progress", occurred_at=at)
    services.visit_transition(
        actor=None, visit=visit, to="report_drafted", occurred_at=at + timedelta(days=3)
    )
    troubled = make_facility(name="Troubled SIZO", registered_on=date(2015, 1, 1), population=800)
    for _ in range(2):
        make_allegation(facility=troubled)
    make_facility("KG", name="Other country", registered_on=date(2015, 1, 1))
    rows = visit_planning(user, today=date(2026, 11, 23))
    names = [r.facility.name for r in rows]
    assert names == ["Troubled SIZO", "Quiet IVS"]  # the KG facility is out of scope
    top = rows[0]
    assert any("2 open allegations" in r for r in top.reasons)
    assert any("never visited" in r for r in top.reasons)
    assert any("periodic visit overdue" in r for r in top.reasons)
    assert rows[1].score < top.score
    client.force_login(user)
    page = client.get(reverse("admin:facilities_facility_planning"))
    assert page.status_code == 200
    content = page.content.decode()
    assert content.index("Troubled SIZO") < content.index("Quiet IVS")
    assert "Other country" not in content
