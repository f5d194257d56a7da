"""Every admin page and every PDF kind, rendered in Russian, Kazakh and Kyrgyz, shows no label
left in English (compared against the English messages of the catalogs)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from conftest import make_staff
from npm_tracker.tests.untranslated import page_texts, untranslated
from seeds.demo import build_demo

pytestmark = pytest.mark.django_db

LANGUAGES = ("ru", "kk", "ky")


@pytest.fixture
def staff_client(client, reference):
    build_demo(facilities_per_region=1, seed=11, regions_per_country=2)
    client.force_login(make_staff("head", "KZ", "KG", superuser=True))
    return client


def admin_pages(user):
    """Home, then the list, add and change page (first record) of every registered model."""
    request = RequestFactory().get("/")
    request.user = user
    yield reverse("admin:index")
    for model, model_admin in admin.site._registry.items():
        info = f"{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"admin:{info}_changelist")
        if model_admin.has_add_permission(request):
            yield reverse(f"admin:{info}_add")
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            yield reverse(f"admin:{info}_change", args=[obj.pk])


def _english_on(client, url, language):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Language"] == language
    return untranslated(page_texts(response.content.decode()), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_admin_page_shows_an_english_label(staff_client, language):
    user = staff_client.get(reverse("admin:index")).wsgi_request.user
    pages = list(admin_pages(user))
    assert len(pages) > 60
    left: dict[str, str] = {}  # English label -> first page showing it
    for url in pages:
        for label in _english_on(staff_client, url, language):
            left.setdefault(label, url)
    assert not left, "\n".join(f"{label!r} on {url}" for label, url in sorted(left.items()))


def test_the_checker_finds_english_labels_on_an_english_page(staff_client):
    from facilities.models import Visit

    url = reverse("admin:facilities_visit_change", args=[Visit.objects.first().pk])
    found = _english_on(staff_client, url, "en")
    for label in ("Save and continue editing", "Persons held and interviews", "History"):
        assert label in found
