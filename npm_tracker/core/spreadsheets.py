"""Spreadsheets in and out of the admin (CSV and XLSX, django-import-export).

Import: a file is read, every row is checked and saved through the model's service inside one
transaction that is rolled back (the preview); confirming repeats it for real, and any invalid
row rolls the whole file back, so nothing is written unless every row is valid. Related records
are named by their code or their name in any of the four languages, and only among what the
user can see (``visible_to``): a record out of reach is as unknown as a misspelt one.

Export: any admin list (the changelist's queryset, so only what the user sees and has
filtered), without identity and medical fields unless ``roles.sees_identity`` allows them for
that record, and every export is written to the access log, one row per exported record.
"""

from functools import cache

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.utils import formats, translation
from django.utils.encoding import force_str
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from npm_tracker.core import roles
from npm_tracker.core.access import _client_ip
from npm_tracker.core.models import AccessChannel, AccessLog, Country
from npm_tracker.core.scoping import user_country_ids
from npm_tracker.core.services import actor_fields

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


# --- widgets: one cell <-> one value ----------------------------------------------------------


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
        return "" if value is None else str(value)


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


# --- resources ---------------------------------------------------------------------------------


class ScopedResource(resources.ModelResource):
    """A resource that knows the acting user: lookups among what the user sees, export without
    what the user may not see."""

    def __init__(self, user=None, **kwargs):
        super().__init__()
        self.user = user
        self.exported: list = []
        for field in self.fields.values():
            if isinstance(field.widget, LookupWidget):
                field.widget.bind(user, self.row_country_id)

    def row_country_id(self, row):
        """The country a row is about, to choose between same-named records of two countries."""
        return None

    def cell(self, name, row):
        """The value of another column of the row, or ``None`` when it does not read."""
        field = self.fields[name]
        if row is None:
            return None
        try:
            return field.widget.clean(row.get(field.column_name), row)
        except ValueError:
            return None

    def get_queryset(self):
        return self._meta.model._default_manager.visible_to(self.user)

    # Export ------------------------------------------------------------------------------------

    # Columns holding identity or medical data: column -> what ("identity", "medical"). They are
    # exported only for the records ``shows_confidential`` allows, and each such export is
    # logged as a read of that data.
    confidential_columns: dict = {}

    def shows_confidential(self, obj) -> bool:
        return False

    def export_queryset(self, queryset):
        """The queryset with what its columns read (``select_related`` and the like)."""
        return queryset

    def before_export(self, queryset, **kwargs):
        if self.confidential_columns and not any(self.shows_confidential(o) for o in queryset):
            for name in self.confidential_columns:
                self.fields.pop(name, None)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        allowed = bool(self.confidential_columns) and self.shows_confidential(instance)
        kinds = {
            id(self.fields[name]): kind
            for name, kind in self.confidential_columns.items()
            if name in self.fields
        }
        shown: dict = {}
        row = []
        for field in self.get_export_fields(selected_fields):
            kind = kinds.get(id(field))
            if kind is not None and not allowed:
                row.append("")
                continue
            value = self.export_field(field, instance, **kwargs)
            if kind is not None and value not in ("", None):
                shown[kind] = True
            row.append(value)
        self.exported.append((instance, shown))
        return row


class PlainDiff(resources.Diff):
    """The preview's cells as plain markup: the library's diff writes inline styles, which the
    Content-Security-Policy refuses (the stylesheet colours ``ins`` and ``del`` instead)."""

    def as_html(self):
        cells = []
        for old, new in zip(self.left, self.right, strict=False):
            old, new = force_str(old), force_str(new)
            if self.new or old == new:
                cells.append(conditional_escape(new))
            else:
                cells.append(format_html("<del>{}</del> <ins>{}</ins>", old, new))
        return cells


class ImportResource(ScopedResource):
    """A resource whose rows are saved through the model's service, by the importing user.

    A row naming an ``id`` updates that record (if the user sees it and may change it); any
    other row creates one.
    """

    id = fields.Field(attribute="id", column_name="id", readonly=True, widget=TextWidget())

    class Meta:
        abstract = True
        use_transactions = True
        clean_model_instances = False  # the service validates completely (validated_save)
        skip_unchanged = False

    @classmethod
    def get_diff_class(cls):
        return PlainDiff

    def persist(self, instance):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_instance(self, instance_loader, row):
        pk = _text(row.get("id"))
        if not pk:
            return None
        try:
            instance = self.get_queryset().filter(pk=pk).first()
        except ValidationError:
            instance = None
        if instance is None:
            raise ValidationError({"id": gettext("No record with this id.")})
        opts = instance._meta
        if not self.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            raise ValidationError({"id": gettext("You may not change this record.")})
        return instance

    def column_of(self, attribute: str) -> str:
        for field in self.fields.values():
            if field.attribute == attribute or (
                field.attribute and field.attribute.removesuffix("_id") == attribute
            ):
                return field.column_name
        return attribute

    def as_columns(self, error: ValidationError) -> ValidationError:
        """Errors keyed by the file's column names, which is what the user sees."""
        if not hasattr(error, "error_dict"):
            return error
        keyed: dict = {}
        for attribute, errors in error.error_dict.items():
            column = (
                NON_FIELD_ERRORS if attribute == NON_FIELD_ERRORS else self.column_of(attribute)
            )
            keyed.setdefault(column, []).extend(errors)
        return ValidationError(keyed)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Cells that could not be read are reported with the field checks of the model that do
        # not need them (a negative capacity next to an unknown region); a row whose cells all
        # read is validated completely by its service when it is saved.
        errors = dict(import_validation_errors or {})
        if not errors:
            return
        exclude = set(errors) | {f.name for f in instance._meta.fields if not f.editable}
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        raise self.as_columns(ValidationError(errors))

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            super().save_instance(instance, is_create, row, **kwargs)
        except ValidationError as error:
            raise self.as_columns(error) from None

    def do_instance_save(self, instance, is_create):
        self.persist(instance)


@cache
def list_resource_for(model):
    """The export resource of an admin list without a resource of its own: every concrete field
    but the confidential ones, related records and choices by their names."""
    attrs = {}
    for model_field in model._meta.concrete_fields:
        if model_field.name in confidential_fields_of(model):
            continue
        attrs[model_field.name] = fields.Field(
            attribute=model_field.name,
            column_name=model_field.name,
            widget=widget_for(model_field),
            readonly=True,
        )
    names = tuple(attrs)
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": names, "export_order": names})
    return type(f"{model.__name__}ListResource", (ScopedResource,), attrs)


def confidential_fields_of(model) -> tuple:
    """Identity and medical fields of a model, as its app declared them to the audit trail
    (``audit.track(model, confidential=...)``)."""
    return getattr(model, "confidential_fields", ())


# --- the access log ----------------------------------------------------------------------------


def record_export(request, resource) -> list:
    """One append-only access-log row per exported record: its type and id, and what of it was
    exported ("identity", "medical" or just "record"). A shared vocabulary item has no country
    and is logged under each country the user works for."""
    who = actor_fields(request.user)
    every_country = None
    rows = []
    for obj, shown in resource.exported:
        what = ",".join(kind for kind, present in shown.items() if present) or "record"
        allegation_id = _allegation_id(obj)
        country_id = _record_country_id(obj)
        if country_id is None:
            if every_country is None:
                every_country = _user_countries(request.user)
            countries = every_country
        else:
            countries = [country_id]
        for country in countries:
            rows.append(
                AccessLog(
                    user=who["actor"],
                    actor_label=who["actor_label"][:200],
                    channel=AccessChannel.EXPORT,
                    country_id=country,
                    object_type=obj._meta.label_lower,
                    object_id=obj.pk,
                    allegation_id=allegation_id,
                    what=what,
                    ip_address=_client_ip(request),
                    path=request.path[:300],
                )
            )
    return AccessLog.objects.bulk_create(rows, batch_size=1000)


def _allegation_id(obj):
    return roles.case_id_of(obj)


def _record_country_id(obj):
    path = getattr(type(obj), "country_field", None)
    if path is None:
        return None
    value = obj
    for step in path.split("__"):
        if step == "pk":
            return value.pk
        value = getattr(value, step, None)
        if value is None:
            return None
    return value.pk


def _user_countries(user) -> list:
    ids = user_country_ids(user)
    countries = Country.objects.all() if ids is None else Country.objects.filter(pk__in=ids)
    return list(countries.values_list("pk", flat=True))


# --- admin mixins ------------------------------------------------------------------------------


SPREADSHEET_FORMATS = [base_formats.CSV, base_formats.XLSX]


class SpreadsheetExportMixin(ExportMixin):
    """Export of an admin list to CSV or XLSX: what the list shows the user (search and filters
    included), never a field their role may not see, and logged."""

    formats = SPREADSHEET_FORMATS
    export_form_class = ExportForm
    import_export_change_list_template = "admin/npm_tracker/change_list_spreadsheets.html"
    export_template_name = "admin/npm_tracker/export.html"

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_resource_classes(self, request):
        if self.resource_classes:
            return self.resource_classes
        return [list_resource_for(self.model)]

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_export_queryset(self, request):
        queryset = super().get_export_queryset(request)
        related = [
            f.name
            for f in self.model._meta.concrete_fields
            if f.is_relation and f.many_to_one and f.name not in confidential_fields_of(self.model)
        ]
        return queryset.select_related(*related) if related else queryset

    def get_data_for_export(self, request, queryset, **kwargs):
        export_form = kwargs.get("export_form")
        resource = self.choose_export_resource_class(export_form, request)(
            **self.get_export_resource_kwargs(request)
        )
        dataset = resource.export(queryset=resource.export_queryset(queryset))
        record_export(request, resource)
        return dataset


class SpreadsheetImportMixin(ImportMixin):
    """Import of a register from CSV or XLSX with a preview; all rows or none."""

    formats = SPREADSHEET_FORMATS
    import_export_change_list_template = "admin/npm_tracker/change_list_spreadsheets.html"
    import_template_name = "admin/npm_tracker/import.html"
    import_error_display = ("message",)

    def has_import_permission(self, request):
        return self.has_add_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        kwargs.pop("form", None)
        kwargs.pop("request", None)
        return {**kwargs, "use_transactions": True, "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The file changed meaning since its preview (someone else's edit): nothing was
            # written; show why.
            messages.error(request, gettext("Nothing was imported: the file has errors."))
            context = {
                **self.admin_site.each_context(request),
                "title": gettext("Import"),
                "form": self.get_import_form_class(request)(
                    self.get_import_formats(), self.get_import_resource_classes(request)
                ),
                "opts": self.model._meta,
                "result": result,
                "import_error_display": self.import_error_display,
                "fields_list": [],
            }
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return super().import_action(request, **kwargs)


def column(model, attribute: str, name: str | None = None, **options) -> fields.Field:
    """A spreadsheet column for a model field: its widget by the field's kind, an empty cell
    leaving a field that cannot be empty at its default."""
    model_field = model._meta.get_field(attribute)
    options.setdefault("widget", widget_for(model_field))
    options.setdefault("saves_null_values", model_field.null)
    return fields.Field(attribute=attribute, column_name=name or attribute, **options)
