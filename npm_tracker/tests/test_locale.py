"""Per-language dates, numbers and plurals; vocabulary names in every language through the admin;
case-insensitive search of Kazakh, Kyrgyz and Russian text whatever the database's locale."""

from datetime import date

import pytest
from django import forms
from django.db.models import F
from django.db.models.functions import Collate
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import ngettext

from conftest import make_staff
from facilities.models import Facility, FacilityType
from facilities.tests.factories import make_facility

DAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    "language, long_date",
    [
        ("ru", "23 ноября 2026 г."),
        ("kk", "2026 ж. 23 қараша"),
        ("ky", "23 ноябрь 2026 ж."),
        ("en", "Nov. 23, 2026"),
    ],
)
def test_dates_are_written_with_the_languages_month_names(language, long_date):
    with translation.override(language):
        assert formats.date_format(DAY, "DATE_FORMAT") == long_date
        if language != "en":
            assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == "23.11.2026"


@pytest.mark.parametrize("language", ["ru", "kk", "ky"])
def test_dates_are_read_day_first_and_numbers_with_a_decimal_comma(language):
    with translation.override(language):
        assert forms.DateField().clean("05.03.2026") == date(2026, 3, 5)
        grouped = formats.number_format(1234567.5, 1, use_l10n=True, force_grouping=True)
        assert grouped == "1\xa0234\xa0567,5"


def test_russian_has_three_plural_forms_and_kazakh_one():
    with translation.override("ru"):
        forms_ru = [
            ngettext("%(n)d other allegation", "%(n)d other allegations", n) % {"n": n}
            for n in (1, 2, 5, 21)
        ]
    assert forms_ru == [
        "1 другое сообщение",
        "2 других сообщения",
        "5 других сообщений",
        "21 другое сообщение",
    ]
    with translation.override("kk"):
        assert ngettext("%(n)d other allegation", "%(n)d other allegations", 5) % {"n": 5} == (
            "5 басқа хабарлама"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ru", "kk", "ky"])
def test_vocabulary_names_are_shown_in_the_users_language_in_the_admin(client, reference, language):
    facility = make_facility("KZ")
    kind = facility.facility_type
    client.force_login(make_staff("kz-head", "KZ"))
    url = reverse("admin:facilities_facility_changelist")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert getattr(kind, f"name_{language}") in html

    change = reverse("admin:facilities_facility_change", args=[facility.pk])
    html = client.get(change, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f">{getattr(kind, f'name_{language}')}</option>" in html


@pytest.mark.django_db
def test_a_missing_name_falls_back_to_russian_then_english_never_to_the_code(client, reference):
    facility = make_facility("KZ")
    kind = facility.facility_type
    FacilityType.objects.filter(pk=kind.pk).update(name_kk="")
    client.force_login(make_staff("kz-head", "KZ"))
    url = reverse("admin:facilities_facility_changelist")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert kind.name_ru in html
    FacilityType.objects.filter(pk=kind.pk).update(name_kk="", name_ru="")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()
    assert kind.name_en in html
    assert f">{kind.code}<" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "stored, typed",
    [
        ("Қарағанды облысы, ИВС", "қарағанды"),
        ("Қарағанды облысы, ИВС", "ҚАРАҒАНДЫ"),
        ("Qarağandy IVS", "QARAĞANDY"),
        ("Ысык-Көл облусу, ИВС", "ысык-көл"),
        ("ИВС г. Шымкент", "шымкент"),
    ],
)
def test_search_finds_text_typed_in_either_case(client, reference, stored, typed):
    facility = make_facility("KZ", name=stored)
    make_facility("KZ", name="Другое учреждение")
    client.force_login(make_staff("kz-head", "KZ"))
    url = reverse("admin:facilities_facility_changelist")
    found = client.get(url, {"q": typed}).context["cl"].result_list
    assert list(found) == [facility]
    # The same holds for a column under the "C" collation, where UPPER() folds ASCII only.
    c_column = Facility.objects.annotate(c_name=Collate(F("name"), "C"))
    assert list(c_column.filter(c_name__uicontains=typed)) == [facility]
    if not typed.isascii():
        assert not c_column.filter(c_name__icontains=typed.swapcase()).filter(pk=facility.pk)
