"""Test-wide fixtures: reference data, staff users scoped by country."""

import os

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import translation

from npm_tracker.core.models import StaffProfile


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real reference data of seeds/data once per test database, through the same
    loader as ``manage.py seed``; every test then runs in a transaction rolled back after it."""
    from seeds.reference import load_reference_data

    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture(scope="session", autouse=True)
def celery_broker_per_test_process(worker_id):
    """Each test process gets a Redis database of its own as the Celery broker, so that a worker
    started by one process never takes a task queued by another (whose database it cannot see).
    """
    from django.conf import settings

    from npm_tracker.celery import app

    # Redis has databases 0-15: test processes use 8, 9, ... and a run without xdist 15, unless
    # TEST_REDIS_DB names the first one (to run two suites side by side on one Redis).
    first = os.environ.get("TEST_REDIS_DB")
    index = int(worker_id.removeprefix("gw")) if worker_id.startswith("gw") else None
    if first is not None:
        number = int(first) + (index or 0)
    else:
        number = 8 + index if index is not None else 15
    url = settings.REDIS_URL.rsplit("/", 1)[0] + f"/{number}"
    settings.CELERY_BROKER_URL = url
    app.conf.broker_url = url
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="session", autouse=True)
def token_failures_not_shared():
    """Every test process asks for tokens from 127.0.0.1 and shares one cache: the failed-attempt
    limit of the token endpoint is set high for the suite and low by the tests of the limit
    (which use addresses and client ids of their own)."""
    from django.conf import settings

    settings.TOKEN_FAILURE_LIMIT = 10**6


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request through the test client leaves the
    language its LocaleMiddleware chose active in the thread, and later tests of the same
    process would otherwise read their messages in it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def reference(db):
    """The reference data, present in the test database; reloaded after a transactional test
    (which empties the tables when it ends)."""
    from facilities.models import Country
    from seeds.reference import load_reference_data

    if not Country.objects.exists():
        load_reference_data()


def make_staff(
    username, *country_codes, superuser=False, roles=("npm_head",), direct_permissions=True
):
    from django.contrib.auth.models import Group

    from facilities.models import Country

    user = get_user_model().objects.create_user(
        username=username, password="pw-for-tests-only", is_staff=True, is_superuser=superuser
    )
    if direct_permissions:
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=("facilities", "cases", "npm_tracker", "reports")
            )
        )
    user.groups.set(Group.objects.filter(name__in=roles))
    profile = StaffProfile.objects.create(user=user)
    profile.countries.set(Country.objects.filter(code__in=country_codes))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def kz_staff(reference):
    return make_staff("kz-officer", "KZ")


@pytest.fixture
def kg_staff(reference):
    return make_staff("kg-officer", "KG")


@pytest.fixture
def both_staff(reference):
    return make_staff("regional-officer", "KZ", "KG")
