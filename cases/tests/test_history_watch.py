"""The daily check of the tamper-evident history (beat ``cases.verify_history``): a row changed
by a database superuser behind the triggers' back is found, and the NPM heads of its country
and its duty address are mailed the table and id, once a day while the break lasts; the other
country hears nothing."""

import pytest
from django.core import mail

from cases import notifications, services
from cases.models import Notification
from cases.tests.factories import make_allegation, make_referral
from conftest import make_staff
from npm_tracker.core import outbox
from npm_tracker.core.models import Country, IntegrityLink
from npm_tracker.tests.superuser import as_superuser

pytestmark = pytest.mark.django_db(transaction=True)


def head(name, code):
    user = make_staff(name, code, roles=("npm_head",))
    user.email = f"{name}@npm.example"
    user.save(update_fields=["email"])
    return user


def test_a_break_is_mailed_to_the_heads_of_its_country_once_a_day(reference, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Country.objects.filter(code="KZ").update(duty_email="duty@npm.kz")
    kz_head = head("kz_head", "KZ")
    kz_head.staff_profile.preferred_language = "en"
    kz_head.staff_profile.save()
    head("kg_head", "KG")
    referral = make_referral(make_allegation("KZ"))
    services.referral_transition(actor=None, referral=referral, kind="sent")
    make_allegation("KG")

    assert notifications.verify_history() == {"KG": None, "KZ": None}
    assert not Notification.objects.filter(kind="history_break").exists()

    link = (
        IntegrityLink.objects.filter(table_name="cases_referralevent", country__code="KZ")
        .order_by("seq")
        .first()
    )
    as_superuser(
        "UPDATE cases_referralevent SET addressee = addressee || %s WHERE id::text = %s",
        ["!", link.row_pk],
    )
    result = notifications.verify_history()
    assert result["KG"] is None
    assert (
        result["KZ"]
        == f"cases_referralevent {link.row_pk}: the row was changed after it was sealed"
    )
    notices = Notification.objects.filter(kind="history_break")
    assert {(n.recipient_id, n.address) for n in notices} == {
        (kz_head.pk, "kz_head@npm.example"),
        (None, "duty@npm.kz"),
    }
    assert outbox.drain() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["duty@npm.kz", "kz_head@npm.example"]
    message = next(m for m in mail.outbox if m.to == ["kz_head@npm.example"])
    assert f"cases_referralevent {link.row_pk}" in message.subject
    assert link.row_pk in message.body and "the row was changed after it was sealed" in message.body

    # The same day again: the break is still found, nobody is told twice.
    assert notifications.verify_history()["KZ"] is not None
    assert notices.count() == 2
