"""Workflow in the admin: exactly the allowed steps as buttons, each asking for what it needs;
stale or concurrent moves refused; timeline, deadlines and history on the allegation page."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connections
from django.urls import reverse

from cases import services
from cases.lifecycles import REFERRAL
from cases.models import Referral, ReferralEvent
from cases.tests.factories import make_allegation, make_referral
from conftest import make_staff
from npm_tracker.core.errors import DomainError

ALMATY = ZoneInfo("Asia/Almaty")
RECEIVED = datetime(2026, 2, 2, 9, tzinfo=ALMATY)


def step_links(content, referral):
    prefix = reverse("admin:cases_referral_change", args=[referral.pk]).replace("change/", "")
    return sorted(part.split("/")[0] for part in content.split(f'href="{prefix}transition/')[1:])


@pytest.mark.django_db
def test_buttons_are_exactly_the_allowed_steps(client, reference):
    client.force_login(make_staff("kz-officer", "KZ"))
    referral = make_referral(make_allegation(received_at=RECEIVED))
    page = client.get(reverse("admin:cases_referral_change", args=[referral.pk]))
    assert step_links(page.content.decode(), referral) == ["sent"]
    services.referral_transition(actor=None, referral=referral, kind="sent", occurred_at=RECEIVED)
    page = client.get(reverse("admin:cases_referral_change", args=[referral.pk]))
    allowed = sorted(s.name for s in REFERRAL.allowed("KZ", RECEIVED.date(), "sent"))
    assert step_links(page.content.decode(), referral) == allowed
    assert allowed == ["acknowledged", "forwarded", "refused", "registered"]


@pytest.mark.django_db
def test_a_step_asks_for_what_it_needs_and_refuses_without_it(client, reference):
    client.force_login(make_staff("kz-officer", "KZ"))
    referral = make_referral(make_allegation(received_at=RECEIVED))
    services.referral_transition(actor=None, referral=referral, kind="sent", occurred_at=RECEIVED)
    url = reverse("admin:cases_referral_transition", args=[referral.pk, "registered"])
    form = client.get(url).context["form"]
    assert "external_number" in form.fields and "article" not in form.fields
    post = {
        "occurred_at_0": "2026-02-03",
        "occurred_at_1": "10:00",
        "expected_status": "sent",
        "external_number": "",
    }
    response = client.post(url, post)
    assert response.status_code == 200
    assert response.context["form"].errors["external_number"]
    referral.refresh_from_db()
    assert referral.status == "sent"
    response = client.post(url, {**post, "external_number": "261500031000777"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.external_number) == ("registered", "261500031000777")
    event = referral.events.get(kind="registered")
    assert event.actor.username == "kz-officer"


@pytest.mark.django_db
def test_a_step_from_a_stale_page_is_refused(client, reference):
    client.force_login(make_staff("kz-officer", "KZ"))
    referral = make_referral(make_allegation(received_at=RECEIVED))
    services.referral_transition(actor=None, referral=referral, kind="sent", occurred_at=RECEIVED)
    url = reverse("admin:cases_referral_transition", args=[referral.pk, "acknowledged"])
    # Someone else acknowledged it meanwhile; this page still believes it is "sent".
    services.referral_transition(
        actor=None, referral=referral, kind="acknowledged", occurred_at=RECEIVED + timedelta(1)
    )
    response = client.post(
        url,
        {"occurred_at_0": "2026-02-04", "occurred_at_1": "10:00", "expected_status": "sent"},
    )
    assert response.status_code == 302  # the step is no longer offered
    assert ReferralEvent.objects.filter(referral=referral, kind="acknowledged").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_moving_the_same_referral_at_once_one_succeeds(reference):
    referral = make_referral(make_allegation(received_at=RECEIVED))
    services.referral_transition(actor=None, referral=referral, kind="sent", occurred_at=RECEIVED)
    barrier = threading.Barrier(2)
    outcomes = []

    def move(kind, extra):
        try:
            barrier.wait()
            services.referral_transition(
                actor=None,
                referral=Referral.objects.get(pk=referral.pk),
                kind=kind,
                occurred_at=RECEIVED + timedelta(hours=5),
                expected_status="sent",
                **extra,
            )
            outcomes.append("ok")
        except DomainError as error:
            outcomes.append(error.domain_code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=move, args=("refused", {"note": "No crime."})),
        threading.Thread(target=move, args=("registered", {"external_number": "E-1"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == ["concurrent_update", "ok"]
    assert ReferralEvent.objects.filter(referral=referral).count() == 2


@pytest.mark.django_db
def test_allegation_page_shows_timeline_deadlines_with_sources_and_history(client, reference):
    officer = make_staff("kz-officer", "KZ")
    client.force_login(officer)
    allegation = make_allegation(received_at=RECEIVED, serious_injury=True)
    referral = make_referral(allegation)
    services.referral_transition(
        actor=officer, referral=referral, kind="sent", occurred_at=RECEIVED + timedelta(hours=3)
    )
    page = client.get(reverse("admin:cases_allegation_change", args=[allegation.pk]))
    content = page.content.decode()
    assert referral.reference in content
    assert "Const" in content or "15" in content  # legal source of the referral answer clock
    for deadline in referral.deadlines.all():
        assert deadline.legal_source in content
    assert "urgent escalation" in content.lower()
    assert "Referral" in content and "created" in content  # history rows
    assert str(officer.pk) in content or officer.username in content
