"""Spreadsheets in and out of the admin (CSV and XLSX, django-import-export).

Import: a file is read, every row is checked and saved through the model's service inside one
transaction that is rolled back (the preview); confirming repeats it for real, and any invalid
row rolls the whole file back, so nothing is written unless every row is valid. Related records
are named by their code or their name in any of the four languages, and only among what the
user can see (``visible_to``): a record out of reach is as unknown as a misspelt one.

Export: any admin list (the changelist's queryset, so only what the user sees and has
filtered), without identity and medical fields unless ``roles.sees_identity`` allows them for
that record, and every export is written to the access log, one row per exported record.

The columns (``columns``), the resource both share (``resources``), export with its access log
(``exports``) and import (``imports``) are modules of their own; every name is importable from
``npm_tracker.core.spreadsheets`` as before.
"""

from npm_tracker.core.spreadsheets.columns import (
    LANGUAGE_CODES,
    NAME_FIELDS,
    ChoiceWidget,
    DateTimeWidget,
    DayWidget,
    LookupWidget,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    _text,
    column,
    in_every_language,
    widget_for,
)
from npm_tracker.core.spreadsheets.exports import (
    SpreadsheetExportMixin,
    confidential_fields_of,
    list_resource_for,
    record_export,
)
from npm_tracker.core.spreadsheets.imports import (
    ImportResource,
    PlainDiff,
    SpreadsheetImportMixin,
)
from npm_tracker.core.spreadsheets.resources import SPREADSHEET_FORMATS, ScopedResource

__all__ = [
    "LANGUAGE_CODES",
    "NAME_FIELDS",
    "SPREADSHEET_FORMATS",
    "ChoiceWidget",
    "DateTimeWidget",
    "DayWidget",
    "ImportResource",
    "LookupWidget",
    "PlainDiff",
    "ScopedResource",
    "SpreadsheetExportMixin",
    "SpreadsheetImportMixin",
    "TextWidget",
    "WholeNumberWidget",
    "YesNoWidget",
    "_text",
    "column",
    "confidential_fields_of",
    "in_every_language",
    "list_resource_for",
    "record_export",
    "widget_for",
]
