"""The admin home page: the user's work, linked, scoped, in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Allegation, Deadline
from cases.tests.factories import make_allegation, make_referral
from conftest import make_staff
from facilities.models import VisitTeamMember
from facilities.tests.factories import make_visit

pytestmark = pytest.mark.django_db


def _assigned(officer, code="KZ", **fields):
    fields.setdefault("received_at", timezone.now() - timedelta(days=100))
    allegation = make_allegation(code, **fields)
    Allegation.objects.filter(pk=allegation.pk).update(assigned_officer=officer)
    return Allegation.objects.get(pk=allegation.pk)


def _sent_referral(allegation, officer, days_ago):
    referral = make_referral(allegation, actor=officer)
    return services.referral_transition(
        actor=officer,
        referral=referral,
        kind="sent",
        occurred_at=timezone.now() - timedelta(days=days_ago),
    )


def _section(html, section_id):
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_dashboard_shows_my_work_linked_and_nothing_of_others(client, reference):
    officer = make_staff("kz-officer", "KZ", roles=("case_officer",))
    mine = _assigned(officer)
    overdue_referral = _sent_referral(mine, officer, days_ago=60)
    services.follow_up_ensure(actor=officer, allegation=mine, reason="requested")
    visit = make_visit(mine.facility, started_on=timezone.localdate())
    VisitTeamMember.objects.create(visit=visit, user=officer, role="leader")
    someone_elses = make_allegation("KZ", summary="Not assigned to the officer.")
    other_country = _assigned(officer, "KG")

    client.force_login(officer)
    html = client.get(reverse("admin:index")).content.decode()

    allegations = _section(html, "dash-allegations")
    assert f'href="{mine.get_absolute_url()}"' in allegations
    assert someone_elses.reference not in allegations
    assert other_country.reference not in html  # KG is outside the officer's countries
    assert f'href="{overdue_referral.get_absolute_url()}"' in _section(html, "dash-referrals")
    overdue = Deadline.objects.overdue().filter(referral=overdue_referral).get()
    assert overdue.legal_source in _section(html, "dash-overdue")
    assert f'href="{overdue_referral.get_absolute_url()}"' in _section(html, "dash-overdue")
    assert mine.reference in _section(html, "dash-follow-ups")
    assert f'href="{visit.get_absolute_url()}"' in _section(html, "dash-visits")
    assert overdue_referral.reference in _section(html, "dash-activity")
    figures = _section(html, "dash-figures-KZ")
    assert "<svg" in figures
    assert 'id="dash-figures-KG"' not in html
    # The application list stays below the dashboard.
    assert 'id="content-main"' in html


def test_deadline_due_this_week_is_listed_apart_from_overdue(client, reference):
    officer = make_staff("kz-officer", "KZ", roles=("case_officer",))
    allegation = _assigned(officer)
    # The prosecutor's answer is due some weeks after sending: sent long enough ago, it falls due
    # within the coming week.
    referral = _sent_referral(allegation, officer, days_ago=18)
    running = Deadline.objects.open().filter(referral=referral).order_by("due_at").first()
    assert timezone.now() < running.due_at < timezone.now() + timedelta(days=7)

    client.force_login(officer)
    html = client.get(reverse("admin:index")).content.decode()
    assert referral.reference in _section(html, "dash-due")
    assert referral.reference not in _section(html, "dash-overdue")


def test_dashboard_queries_do_not_grow_with_the_number_of_cases(client, reference):
    officer = make_staff("kz-officer", "KZ", roles=("case_officer",))
    client.force_login(officer)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("admin:index")).status_code == 200
        return len(queries)

    allegation = _assigned(officer)
    _sent_referral(allegation, officer, days_ago=30)
    few = count_queries()
    for _ in range(4):
        _sent_referral(_assigned(officer), officer, days_ago=30)
    assert count_queries() == few
