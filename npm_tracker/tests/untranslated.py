"""Finds English labels left on a page rendered in another language.

"English labels" are the msgids of every catalog the product loads (Django's, the installed
apps' and ours), read from the compiled Russian catalog, which holds them all. A text of the
page that equals one of them, or matches one with its placeholders filled in, is a label shown
in English. Texts whose translation in that language is the English text itself (codes and
names listed in locale/identical_allowed.txt, or left identical on purpose by Django's
translators) are not counted.
"""

import re
from functools import cache
from html.parser import HTMLParser

from django.conf import settings
from django.utils.translation import get_language_info, trans_real

# Attributes whose values the user reads.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# A label needs at least two letters to be told from a code, a number or punctuation.
MEANINGFUL = re.compile(r"[A-Za-z]{2}")
WORD = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd]|\{[a-z_]+\}")
FILLED = {"d": r"[\d\s.,]+?", "s": ".+?"}


def _msgids(catalog) -> dict[str, set]:
    """English text -> the translations the catalog has for it (all contexts, all forms)."""
    found: dict[str, set] = {}
    for key, value in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]
        found.setdefault(msgid, set()).add(value)
    return found


@cache
def english_messages() -> frozenset:
    return frozenset(m for m in _msgids(trans_real.translation("ru")._catalog) if m)


@cache
def _identical_in(language: str) -> frozenset:
    """Messages that the language's catalogs translate as the English text itself."""
    return frozenset(
        msgid
        for msgid, values in _msgids(trans_real.translation(language)._catalog).items()
        if msgid in values
    )


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    """Messages with placeholders, as patterns matching the text once they are filled in."""
    patterns = []
    for msgid in english_messages():
        if not PLACEHOLDER.search(msgid):
            continue
        parts = PLACEHOLDER.split(msgid)
        if len(WORD.findall(" ".join(parts))) < 2:
            continue  # "%(name)s: %(value)s" and the like match anything
        kinds = [FILLED["d" if p.endswith("d") else "s"] for p in PLACEHOLDER.findall(msgid)]
        body = "".join(
            re.escape(part) + (kinds[i] if i < len(kinds) else "") for i, part in enumerate(parts)
        )
        patterns.append((re.compile(f"^{body}$", re.S), msgid))
    return patterns


def _normal(text: str) -> str:
    return " ".join(text.split()).rstrip(":").strip()


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0
        self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag in ("td", "th") and "field-code" in (dict(attrs).get("class") or ""):
            self._code += 1  # a vocabulary's code column: codes are English words on purpose
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES
                or (tag == "input" and name == "value" and ("type", "submit") in attrs)
            ):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag in ("td", "th") and self._code:
            self._code -= 1

    def handle_data(self, data):
        if not self._skip and not self._code:
            self.texts.append(data)


def page_texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


@cache
def _language_names() -> frozenset:
    """Each language's name in itself, as the language switcher lists them."""
    return frozenset(get_language_info(code)["name_local"] for code, _ in settings.LANGUAGES)


def untranslated(texts, language: str) -> list[str]:
    """The texts that are English labels not translated into ``language``."""
    english = english_messages()
    identical = _identical_in(language) if language != "en" else frozenset()
    identical |= _language_names()
    found = []
    for raw in texts:
        text = _normal(raw)
        if not MEANINGFUL.search(text) or text in identical:
            continue
        if text in english:
            found.append(text)
            continue
        for pattern, msgid in _patterns():
            if msgid not in identical and pattern.match(text):
                found.append(f"{text}  [{msgid}]")
                break
    return found
