"""Who may manage which staff account — the one place that says it.

A superuser manages every account. Anybody else holding the user-management permissions (the
``sysadmin`` role) manages only accounts all of whose countries are among their own, never a
superuser's; grants only roles they hold themselves and countries they have; never changes their
own roles or countries; and never takes over an account (sets its password, adds a two-factor
device) that holds a role they do not hold, since that would give them the role. Every change of
roles, superuser status or countries is written to the read-access log (``record_role_change``).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from npm_tracker.core import roles
from npm_tracker.core.access import client_ip
from npm_tracker.core.models import AccessChannel, AccessLog, Country
from npm_tracker.core.scoping import user_country_ids
from npm_tracker.core.services import actor_fields


def manageable_users(actor):
    """The accounts ``actor`` may see and manage."""
    users = get_user_model().objects.all()
    if actor.is_superuser:
        return users
    ids = user_country_ids(actor)
    if not ids:
        return users.none()
    outside = Country.objects.exclude(pk__in=ids)
    return (
        users.filter(is_superuser=False, staff_profile__countries__in=ids)
        .exclude(staff_profile__countries__in=outside)
        .distinct()
    )


def grantable_groups(actor):
    """The roles ``actor`` may give or take away."""
    if actor.is_superuser:
        return Group.objects.all()
    return Group.objects.filter(pk__in=actor.groups.values("pk"))


def grantable_countries(actor):
    ids = user_country_ids(actor)
    return Country.objects.all() if ids is None else Country.objects.filter(pk__in=ids)


def may_change_roles(actor, account) -> bool:
    """Nobody changes their own roles, superuser status or countries."""
    return account is None or account.pk != actor.pk


def may_take_over(actor, account) -> bool:
    """May ``actor`` set the password of ``account`` or give it a two-factor device?"""
    if actor.is_superuser or account.pk == actor.pk:
        return True
    if account.is_superuser:
        return False
    return roles.roles_of(account) <= roles.roles_of(actor)


def takeover_candidates(actor):
    """The accounts ``actor`` may set a password or a two-factor device for."""
    users = manageable_users(actor)
    if actor.is_superuser:
        return users
    held = grantable_groups(actor)
    return users.exclude(groups__in=Group.objects.exclude(pk__in=held))


@dataclass(frozen=True)
class Standing:
    """What decides an account's access: its roles, superuser status and countries."""

    roles: frozenset
    superuser: bool
    countries: frozenset

    @classmethod
    def of(cls, account) -> "Standing":
        if account is None or account.pk is None:
            return cls(frozenset(), False, frozenset())
        profile = getattr(account, "staff_profile", None)
        countries = profile.countries.values_list("code", flat=True) if profile else ()
        return cls(
            frozenset(account.groups.values_list("name", flat=True)),
            bool(account.is_superuser),
            frozenset(countries),
        )

    def changes_to(self, after: "Standing") -> str:
        """ "+role -role superuser:on +country:KG" — empty when nothing changed."""
        parts = [f"+{name}" for name in sorted(after.roles - self.roles)]
        parts += [f"-{name}" for name in sorted(self.roles - after.roles)]
        if self.superuser != after.superuser:
            parts.append(f"superuser:{'on' if after.superuser else 'off'}")
        parts += [f"+country:{code}" for code in sorted(after.countries - self.countries)]
        parts += [f"-country:{code}" for code in sorted(self.countries - after.countries)]
        return " ".join(parts)


def record_role_change(*, actor, account, before: Standing, after: Standing, request=None):
    """One access-log row per country concerned when ``account``'s access changed."""
    change = before.changes_to(after)
    if not change:
        return []
    codes = before.countries | after.countries
    countries = Country.objects.filter(code__in=codes) if codes else Country.objects.all()
    who = actor_fields(actor)
    rows = [
        AccessLog(
            user=who["actor"],
            actor_label=who["actor_label"][:200],
            channel=AccessChannel.ADMIN,
            country=country,
            object_type=account._meta.label_lower,
            subject=account,
            what="roles",
            ip_address=client_ip(request),
            path=request.path[:300] if request else "",
            reason=change[:300],
        )
        for country in countries
    ]
    return AccessLog.objects.bulk_create(rows)
