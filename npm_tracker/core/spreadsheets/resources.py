"""What exports and imports share: a resource that knows the acting user, and the formats."""

import re

from import_export import resources
from import_export.formats import base_formats

from npm_tracker.core.spreadsheets.columns import LookupWidget

SPREADSHEET_FORMATS = [base_formats.CSV, base_formats.XLSX]

# A cell a spreadsheet program would run as a formula (OWASP "CSV injection"), and the control
# characters XML (so XLSX) cannot hold (with U+FFFE and U+FFFF, which make the file unreadable).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_cell(value):
    """An exported value as text that stays text in every spreadsheet program: control
    characters removed, and a leading apostrophe before a text that begins like a formula
    (a plain negative number stays a number)."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    if value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text


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
            row.append(safe_cell(value))
        self.exported.append((instance, shown))
        return row
