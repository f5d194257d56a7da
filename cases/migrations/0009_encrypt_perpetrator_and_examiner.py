"""Encrypt the names of alleged perpetrators and of medical examiners, and give each perpetrator
the blind index of its name (``crypto.name_index``).

Schema first (the columns become ``text``, as every encrypted column), then the rows stored in
clear, in batches keyed by id. Reversible: going back decrypts the names again (the columns were
plain before), so a downgrade loses nothing.

History: the event tables of both models never had these columns (they were confidential from
0001: recorded as changed, never copied), so no event row holds a name. The audit triggers of
the two tables are skipped for the rewrite (``pgtrigger.ignore``, for this transaction only), as
key rotation does: encrypting a value is not a change of the record. The admin's change log did
keep the examiner in clear (a medical examination was shown as "date examiner" when an
allegation was saved with one): those entries are rewritten to the date alone.
"""

import json
import re

from django.db import migrations, models

import npm_tracker.core.crypto

BATCH = 500
# (table, crypto context, column, blind-index column or None)
COLUMNS = (
    ("cases_perpetrator", "cases.perpetrator.name", "name", "name_index"),
    ("cases_medicalexamination", "cases.medicalexamination.examiner", "examiner", None),
)
AUDIT_TRIGGERS = ("pgtrigger_update_update_%%", "pgtrigger_confidential_changed_%%")


def _skip_audit_triggers(cursor) -> None:
    tables = [table for table, *_rest in COLUMNS]
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        " AND tgrelid = ANY(%s::regclass[]) AND (tgname LIKE %s OR tgname LIKE %s)",
        [tables, *AUDIT_TRIGGERS],
    )
    names = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"])


def _rewrite(cursor, table, column, index_column, sealed: bool, convert) -> None:
    """Rewrite, batch by batch, the values of ``column`` that are (``sealed``) or are not
    encrypted, with ``convert(value) -> (new value, index)``."""
    condition = "LIKE 'enc1:%%'" if sealed else "NOT LIKE 'enc1:%%'"
    assign = f'"{column}" = %s' + (f', "{index_column}" = %s' if index_column else "")
    last = None
    while True:
        after = "" if last is None else "AND id > %s"
        cursor.execute(
            f'SELECT id, "{column}" FROM "{table}" WHERE "{column}" <> \'\''
            f' AND "{column}" {condition} {after} ORDER BY id LIMIT %s',
            [*([] if last is None else [last]), BATCH],
        )
        rows = cursor.fetchall()
        if not rows:
            return
        updates = []
        for pk, value in rows:
            new, index = convert(value)
            updates.append([new, *([index] if index_column else []), pk])
        cursor.executemany(f'UPDATE "{table}" SET {assign} WHERE id = %s', updates)
        last = rows[-1][0]


def _redact_admin_log(apps, cursor) -> None:
    """The examiner out of the admin's change messages: a medical examination's entry keeps
    its date only. The entries are found by the model's name in every language of the site."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    names = set()
    for code, _label in settings.LANGUAGES:
        with translation.override(code):
            names.add(gettext("medical examination"))
    ContentType = apps.get_model("contenttypes", "ContentType")
    allegation = ContentType.objects.filter(app_label="cases", model="allegation").first()
    if allegation is None:
        return
    day = re.compile(r"^\d{4}-\d{2}-\d{2}")
    cursor.execute(
        "SELECT id, change_message FROM django_admin_log"
        " WHERE content_type_id = %s AND change_message LIKE '[%%'",
        [allegation.pk],
    )
    for pk, text in cursor.fetchall():
        try:
            message = json.loads(text)
        except ValueError:
            continue
        changed = False
        for entry in message if isinstance(message, list) else []:
            for detail in entry.values() if isinstance(entry, dict) else []:
                if not isinstance(detail, dict) or detail.get("name") not in names:
                    continue
                shown = str(detail.get("object", ""))
                kept = day.match(shown)
                redacted = kept.group(0) if kept else ""
                if shown != redacted:
                    detail["object"] = redacted
                    changed = True
        if changed:
            cursor.execute(
                "UPDATE django_admin_log SET change_message = %s WHERE id = %s",
                [json.dumps(message), pk],
            )


def encrypt_names(apps, schema_editor):
    from npm_tracker.core import crypto

    with schema_editor.connection.cursor() as cursor:
        _skip_audit_triggers(cursor)
        for table, context, column, index_column in COLUMNS:
            _rewrite(
                cursor,
                table,
                column,
                index_column,
                sealed=False,
                convert=lambda value, context=context: (
                    crypto.encrypt_text(value, context),
                    crypto.name_index(value),
                ),
            )
        _redact_admin_log(apps, cursor)
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


def decrypt_names(apps, schema_editor):
    from npm_tracker.core import crypto

    with schema_editor.connection.cursor() as cursor:
        _skip_audit_triggers(cursor)
        for table, context, column, index_column in COLUMNS:
            _rewrite(
                cursor,
                table,
                column,
                index_column,
                sealed=True,
                convert=lambda value, context=context: (crypto.decrypt_text(value, context), ""),
            )
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_prosecutorclient"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="perpetrator",
            name="name_index",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="A keyed hash of the name: finds the same name in other allegations.",
                max_length=64,
                verbose_name="name index",
            ),
        ),
        migrations.AlterField(
            model_name="medicalexamination",
            name="examiner",
            field=npm_tracker.core.crypto.EncryptedCharField(
                blank=True, max_length=200, verbose_name="examiner"
            ),
        ),
        migrations.AlterField(
            model_name="perpetrator",
            name="name",
            field=npm_tracker.core.crypto.EncryptedCharField(
                blank=True, max_length=300, verbose_name="name"
            ),
        ),
        migrations.RunPython(encrypt_names, decrypt_names),
    ]
