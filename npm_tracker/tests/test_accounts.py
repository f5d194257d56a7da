"""Managing staff accounts: a sysadmin manages accounts of their own countries only, never grants
superuser, a role they do not hold or a country they do not have, never changes their own roles,
and never takes over (password, two-factor device) an account holding a role they lack. Every
change of roles is logged."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from conftest import make_staff
from npm_tracker.core.models import AccessLog, Country
from npm_tracker.tests.admin_helpers import form_data

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def accounts(reference):
    return {
        "sysadmin": make_staff("kz-sysadmin", "KZ", roles=("sysadmin",), direct_permissions=False),
        "other_sysadmin": make_staff(
            "kz-sysadmin-2", "KZ", roles=("sysadmin",), direct_permissions=False
        ),
        "officer": make_staff(
            "kz-officer", "KZ", roles=("case_officer",), direct_permissions=False
        ),
        "head": make_staff("kz-head", "KZ", roles=("npm_head",), direct_permissions=False),
        "kg_head": make_staff("kg-head", "KG", roles=("npm_head",), direct_permissions=False),
        "both": make_staff("both-head", "KZ", "KG", roles=("npm_head",), direct_permissions=False),
        "root": make_staff("root", superuser=True, direct_permissions=False),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["npm_password_at"] = 10**12  # the password was just typed again
    session.save()
    return client


def _change(client, user, **changes):
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    data.update(changes)
    return client.post(url, data)


def _roles(user) -> set:
    return set(User.objects.get(pk=user.pk).groups.values_list("name", flat=True))


def test_a_sysadmin_lists_only_accounts_of_their_own_countries(accounts):
    page = _client(accounts["sysadmin"]).get(reverse("admin:auth_user_changelist"))
    listed = {user.username for user in page.context["cl"].result_list}
    assert listed == {"kz-sysadmin", "kz-sysadmin-2", "kz-officer", "kz-head"}


@pytest.mark.parametrize("target", ["kg_head", "both", "root"])
def test_an_account_outside_their_countries_does_not_exist_for_a_sysadmin(accounts, target):
    client = _client(accounts["sysadmin"])
    for name in ("change", "password_change"):
        response = client.get(
            reverse(f"admin:auth_user_{name}", args=[accounts[target].pk]), follow=False
        )
        unknown = client.get(reverse(f"admin:auth_user_{name}", args=[987654]), follow=False)
        assert (response.status_code, response.get("Location")) == (
            unknown.status_code,
            unknown.get("Location"),
        )
        assert response.status_code in (302, 404)


def test_a_sysadmin_cannot_make_themselves_superuser_or_change_their_own_roles(accounts):
    me = accounts["sysadmin"]
    everything = [str(pk) for pk in Group.objects.values_list("pk", flat=True)]
    response = _change(_client(me), me, is_superuser="on", groups=everything, email="me@npm.kz")
    me = User.objects.get(pk=me.pk)
    assert not me.is_superuser
    assert _roles(me) == {"sysadmin"}
    assert response.status_code == 302  # the rest of the page (e-mail) is saved
    assert me.email == "me@npm.kz"
    assert not AccessLog.objects.filter(what="roles").exists()


def test_a_sysadmin_cannot_grant_a_role_they_do_not_hold(accounts):
    officer = accounts["officer"]
    head_group = Group.objects.get(name="npm_head")
    response = _change(_client(accounts["sysadmin"]), officer, groups=[str(head_group.pk)])
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"]
    assert _roles(officer) == {"case_officer"}
    assert not AccessLog.objects.filter(what="roles").exists()


def test_a_sysadmin_cannot_grant_superuser_or_permissions_to_another_account(accounts):
    officer = accounts["officer"]
    page = _client(accounts["sysadmin"]).get(reverse("admin:auth_user_change", args=[officer.pk]))
    fields = page.context["adminform"].form.fields
    assert "is_superuser" not in fields and "user_permissions" not in fields
    _change(_client(accounts["sysadmin"]), officer, is_superuser="on", user_permissions=["1"])
    officer = User.objects.get(pk=officer.pk)
    assert not officer.is_superuser and not officer.user_permissions.exists()


def test_a_sysadmin_cannot_give_a_country_they_do_not_have(accounts):
    officer = accounts["officer"]
    kg = Country.objects.get(code="KG")
    page = _client(accounts["sysadmin"]).get(reverse("admin:auth_user_change", args=[officer.pk]))
    data = form_data(page)
    key = next(k for k in data if k.endswith("-countries"))
    data[key] = [*data[key], str(kg.pk)]
    response = _client(accounts["sysadmin"]).post(
        reverse("admin:auth_user_change", args=[officer.pk]), data
    )
    assert response.status_code == 200
    assert set(officer.staff_profile.countries.values_list("code", flat=True)) == {"KZ"}


def test_roles_a_sysadmin_does_not_hold_are_kept_when_they_edit_an_account(accounts):
    officer = accounts["officer"]
    response = _change(_client(accounts["sysadmin"]), officer, email="officer@npm.kz")
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _roles(officer) == {"case_officer"}
    assert User.objects.get(pk=officer.pk).email == "officer@npm.kz"


def test_granting_a_role_is_logged_with_who_whom_and_what(accounts):
    target = accounts["other_sysadmin"]
    officer_group = Group.objects.get(name="case_officer")
    # A superuser grants a role; the sysadmin removes their own kind of role from a peer.
    _change(
        _client(accounts["root"]),
        target,
        groups=[str(g.pk) for g in target.groups.all()] + [str(officer_group.pk)],
    )
    assert _roles(target) == {"sysadmin", "case_officer"}
    row = AccessLog.objects.get(what="roles")
    assert (row.user, row.subject, row.channel, row.country.code) == (
        accounts["root"],
        target,
        "admin",
        "KZ",
    )
    assert "+case_officer" in row.reason
    _change(_client(accounts["sysadmin"]), target, groups=[])
    assert _roles(target) == {"case_officer"}  # the role the sysadmin does not hold stays
    assert "-sysadmin" in AccessLog.objects.filter(what="roles").order_by("at").last().reason


def test_changing_roles_asks_for_the_password_again(accounts):
    client = _client(accounts["sysadmin"])
    session = client.session
    session["npm_password_at"] = 0  # the password was typed long ago
    session.save()
    response = client.get(reverse("admin:auth_user_change", args=[accounts["officer"].pk]))
    assert response.status_code == 302 and reverse("admin:reauth") in response["Location"]
    password = client.get(reverse("admin:auth_user_password_change", args=[accounts["officer"].pk]))
    assert password.status_code == 302 and reverse("admin:reauth") in password["Location"]


def test_a_sysadmin_cannot_take_over_an_account_with_a_role_they_lack(accounts):
    client = _client(accounts["sysadmin"])
    head = accounts["head"]
    url = reverse("admin:auth_user_password_change", args=[head.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url, {"password1": "a-new-pass-phrase-42", "password2": "a-new-pass-phrase-42"}
    )
    assert response.status_code == 403
    assert User.objects.get(pk=head.pk).check_password("pw-for-tests-only")
    peer = reverse("admin:auth_user_password_change", args=[accounts["other_sysadmin"].pk])
    assert client.get(peer).status_code == 200
    device_add = client.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {
            "user": str(head.pk),
            "name": "phone",
            "key": "00" * 20,
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
        },
    )
    assert device_add.status_code == 200  # refused: the account is not among the choices
    assert not head.totpdevice_set.exists()


def test_a_sysadmin_cannot_rewrite_what_a_role_may_do(accounts):
    group = Group.objects.get(name="sysadmin")
    before = set(group.permissions.values_list("pk", flat=True))
    client = _client(accounts["sysadmin"])
    url = reverse("admin:auth_group_change", args=[group.pk])
    response = client.post(url, {"name": "sysadmin", "permissions": ["1", "2", "3"]})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
