"""The catalogs: complete for every string in the code (makemessages finds nothing new), no
message left as its English original except the listed codes and names, and translations in use."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ru", "kk", "ky")
SOURCES = (
    "manage.py",
    "npm_tracker",
    "facilities",
    "cases",
    "reports",
    "fieldkit",
    "seeds",
    "locale",
)


def _catalog(po: Path, tmp_path: Path) -> dict:
    mo = tmp_path / (po.stem + po.parent.parent.name + ".mo")
    subprocess.run(["msgfmt", "--check", "-o", str(mo), str(po)], check=True)
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)._catalog


def _allowed() -> dict:
    allowed: dict = {lang: set() for lang in LANGUAGES}
    for line in (ROOT / "locale" / "identical_allowed.txt").read_text().splitlines():
        if line.strip():
            lang, _tab, msgid = line.partition("\t")
            allowed[lang].add(msgid)
    return allowed


DOMAINS = ("django", "djangojs")  # the code's strings, and the field app's JavaScript ones


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_is_left_in_english(lang, domain, tmp_path):
    catalog = _catalog(ROOT / "locale" / lang / "LC_MESSAGES" / f"{domain}.po", tmp_path)
    allowed = _allowed()[lang]
    copied = []
    for key, value in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]  # without its context
        if msgid and value == msgid and msgid not in allowed:
            copied.append(msgid)
    assert not copied, f"{lang}: English left as the translation: {copied[:20]}"


def test_every_string_of_the_code_is_in_the_catalogs(tmp_path):
    """makemessages over a copy of the sources adds nothing untranslated."""
    copy = tmp_path / "src"
    copy.mkdir()
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, copy / name, ignore=shutil.ignore_patterns("*.mo", "__pycache__")
            )
        else:
            shutil.copy2(source, copy / name)
    for domain in DOMAINS:
        subprocess.run(
            [
                sys.executable,
                "manage.py",
                "makemessages",
                "--no-obsolete",
                "-d",
                domain,
                "-v",
                "0",
                *[f"-l{lang}" for lang in LANGUAGES],
            ],
            cwd=copy,
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [sys.executable, "locale/merge_overrides.py"], cwd=copy, check=True, capture_output=True
    )
    for lang, domain in ((lang, domain) for lang in LANGUAGES for domain in DOMAINS):
        po = copy / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"
        stats = subprocess.run(
            ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        assert "untranslated" not in stats and "fuzzy" not in stats, (lang, domain, stats)
        assert "translated" in stats, (lang, domain, stats)


@pytest.mark.parametrize(
    ("lang", "expected"), [("ru", "Отчёт о посещении"), ("kk", "Бару туралы есеп")]
)
def test_the_translations_are_used(lang, expected):
    with translation.override(lang):
        assert translation.gettext("Visit report") == expected


@pytest.mark.django_db
def test_the_admin_header_switches_the_language_and_remembers_it(reference):
    from django.test import Client

    from conftest import make_staff

    user = make_staff("switcher", "KZ")
    client = Client()
    client.force_login(user)
    page = client.get("/admin/").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'value="kk"' in page
    response = client.post("/i18n/setlang/", {"language": "kk", "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    user.staff_profile.refresh_from_db()
    assert user.staff_profile.preferred_language == "kk"
    page = client.get("/admin/").content.decode()
    in_catalog = translation.gettext  # (a name makemessages does not collect from tests)
    with translation.override("kk"):
        assert in_catalog("Log out") in page
        assert in_catalog("Reports") in page
    assert client.post("/i18n/setlang/", {"language": "xx", "next": "/admin/"}).status_code == 302
    user.staff_profile.refresh_from_db()
    assert user.staff_profile.preferred_language == "kk"
