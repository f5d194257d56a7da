"""The columns of a spreadsheet: one cell <-> one value, related records and choices named by
their code or their name in any of the four languages."""

from django.db import models
from django.utils import formats, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

LANGUAGE_CODES = ("en", "ru", "kk", "ky")
NAME_FIELDS = tuple(f"name_{code}" for code in LANGUAGE_CODES)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # XLSX keeps numbers as floats: 12.0 is the code "12"
    return " ".join(str(value).split())


def _key(value) -> str:
    # Python's casefold, not the database's: Cyrillic under a C collation does not fold in SQL.
    return _text(value).casefold()


def in_every_language(text) -> set[str]:
    """The keys of a translatable text in each language of the product."""
    keys = set()
    for code in LANGUAGE_CODES:
        with translation.override(code):
            keys.add(_key(text))
    return keys


class LookupWidget(widgets.Widget):
    """A related record named by its code or by its name in any of the four languages, among the
    records the importing user can see. When a name fits records of several countries, the one
    of the row's country (or shared by both) is taken; a record of another country is left to
    the model's own validation to refuse."""

    def __init__(self, model, keys=("code", *NAME_FIELDS)):
        super().__init__()
        self.model = model
        self.keys = keys
        self.user = None
        self.country_of = None  # row -> country id, set by the resource
        self._index = None

    def bind(self, user, country_of=None):
        self.user, self.country_of, self._index = user, country_of, None

    def candidates(self):
        return self.model._default_manager.visible_to(self.user)

    def index(self) -> dict:
        if self._index is None:
            self._index = {}
            for obj in self.candidates():
                for key in {_key(getattr(obj, name, "")) for name in self.keys} - {""}:
                    # "pk" is the record's id, as the export writes it for records without a code
                    self._index.setdefault(key, []).append(obj)
        return self._index

    def clean(self, value, row=None, **kwargs):
        if not _text(value):
            return None
        matches = self.index().get(_key(value), [])
        if len(matches) > 1 and self.country_of is not None:
            country_id = self.country_of(row)
            mine = [m for m in matches if _country_id(m) in (None, country_id)]
            matches = mine or matches
        name = self.model._meta.verbose_name
        if not matches:
            raise ValueError(
                gettext("Unknown %(vocabulary)s “%(value)s”.")
                % {"vocabulary": name, "value": _text(value)}
            )
        if len(matches) > 1:
            raise ValueError(
                gettext("More than one %(vocabulary)s is called “%(value)s”: use its code or id.")
                % {"vocabulary": name, "value": _text(value)}
            )
        return matches[0]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


def _country_id(obj):
    path = getattr(type(obj), "country_field", None)
    if path == "pk":
        return obj.pk
    if path == "country":
        return obj.country_id
    return None


class ChoiceWidget(widgets.Widget):
    """A fixed choice named by its code or its label in any of the four languages."""

    def __init__(self, choices):
        super().__init__()
        self.choices = list(choices)
        self._index = None

    def index(self) -> dict:
        if self._index is None:
            self._index = {}
            for code, label in self.choices:
                for key in {_key(code), *in_every_language(label)} - {""}:
                    self._index.setdefault(key, code)
        return self._index

    def clean(self, value, row=None, **kwargs):
        if not _text(value):
            return None
        try:
            return self.index()[_key(value)]
        except KeyError:
            raise ValueError(
                gettext("“%(value)s” is not one of the choices: %(choices)s.")
                % {
                    "value": _text(value),
                    "choices": ", ".join(str(label) for _code, label in self.choices),
                }
            ) from None

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


class YesNoWidget(widgets.Widget):
    """Yes / no in any of the four languages (or 1 / 0, true / false); empty means unknown."""

    TRUE = {"1", "true", "+"}
    FALSE = {"0", "false", "-"}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        key = _key(value)
        if not key:
            return None
        if key in self.TRUE or key in in_every_language(_("Yes")):
            return True
        if key in self.FALSE or key in in_every_language(_("No")):
            return False
        raise ValueError(gettext("Enter yes or no."))

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return gettext("Yes") if value else gettext("No")


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number; its range is the model field's validators' business."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError, TypeError):
            raise ValueError(gettext("Enter a whole number.")) from None

    def render(self, value, obj=None, **kwargs):
        # A number, so that XLSX writes a number cell (and no number is taken for a formula).
        return "" if value is None else int(value)


class DayWidget(widgets.DateWidget):
    """A date as 2026-03-02, 02.03.2026 or a spreadsheet date cell."""

    def __init__(self):
        super().__init__()
        self.formats = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")

    def clean(self, value, row=None, **kwargs):
        value = value.strip() if isinstance(value, str) else value
        try:
            parsed = super().clean(value, row, **kwargs)
        except (ValueError, TypeError):
            raise ValueError(gettext("Enter a valid date.")) from None
        return parsed.date() if hasattr(parsed, "date") and callable(parsed.date) else parsed

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()


def widget_for(model_field):
    """The widget of a model field for a human spreadsheet."""
    if model_field.is_relation:
        return LookupWidget(model_field.related_model, keys=_keys_of(model_field.related_model))
    if model_field.choices:
        return ChoiceWidget(model_field.flatchoices)
    if isinstance(model_field, models.BooleanField):
        return YesNoWidget()
    if isinstance(model_field, models.IntegerField):
        return WholeNumberWidget()
    if isinstance(model_field, models.DateTimeField):
        return DateTimeWidget()
    if isinstance(model_field, models.DateField):
        return DayWidget()
    return TextWidget()


class DateTimeWidget(widgets.Widget):
    """Export only: a moment in the active time zone."""

    def render(self, value, obj=None, **kwargs):
        from django.utils import timezone

        if value is None:
            return ""
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


def _keys_of(model) -> tuple:
    names = {f.name for f in model._meta.concrete_fields}
    keys = tuple(k for k in ("code", "reference", "username", *NAME_FIELDS, "name") if k in names)
    return ("pk", *keys)


def column(model, attribute: str, name: str | None = None, **options) -> fields.Field:
    """A spreadsheet column for a model field: its widget by the field's kind, an empty cell
    leaving a field that cannot be empty at its default."""
    model_field = model._meta.get_field(attribute)
    options.setdefault("widget", widget_for(model_field))
    options.setdefault("saves_null_values", model_field.null)
    return fields.Field(attribute=attribute, column_name=name or attribute, **options)
