"""Rows gathered in memory and written by ``COPY``, with the history rows the audit triggers
would have written, and the tally of what was loaded."""

import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction


@dataclass
class Tally:
    counts: dict = field(default_factory=dict)

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _escape(value) -> str:
    """A value in PostgreSQL's COPY text format."""
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime or kind is date:
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


class Table:
    """Rows of one model gathered for one ``COPY``; encrypted fields are encrypted by the field.

    The audit triggers would write one history row per inserted row, each upserting the context
    row first; for millions of rows that costs more than the load itself. So the insert triggers
    of the table are skipped for the ``COPY`` (``pgtrigger.ignore``) and the same history rows are
    written by one ``INSERT ... SELECT``: the columns the trigger copies, label ``insert``, and the
    context the trigger would have attached (``_pgh_attach_context()``).
    """

    def __init__(self, model, attnames):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.fields = [fields[name] for name in attnames]
        self.columns = [f.column for f in self.fields]
        self.prep = [
            i for i, f in enumerate(self.fields) if getattr(f, "secret_type", None) is not None
        ]
        self.key = "id" if attnames[0] == "id" else attnames[0]
        self.history = _history_model(model)
        self.buffer = io.StringIO()
        self.keys: list = []
        self.count = 0

    def add(self, *values) -> None:
        self.keys.append(values[0])
        if self.prep:
            values = list(values)
            for i in self.prep:
                values[i] = self.fields[i].get_db_prep_value(values[i], connection)
        self.buffer.write("\t".join(map(_escape, values)))
        self.buffer.write("\n")
        self.count += 1

    def insert_triggers(self) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass"
                " AND tgname LIKE 'pgtrigger_insert_insert_%%'",
                [self.model._meta.db_table],
            )
            return [row[0] for row in cursor.fetchall()]

    def flush(self, tally: Tally, context_id) -> None:
        if not self.count:
            return
        self.buffer.seek(0)
        table = self.model._meta.db_table
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f'COPY "{table}" ({columns}) FROM STDIN', self.buffer)
            if self.history is not None:
                tracked = [
                    f.column
                    for f in self.history._meta.concrete_fields
                    if not f.name.startswith("pgh_")
                ]
                obj = ["pgh_obj_id"] if _has_obj(self.history) else []
                source = ", ".join(f'"{c}"' for c in tracked)
                cursor.execute(
                    f'INSERT INTO "{self.history._meta.db_table}" ({source}, pgh_created_at,'
                    f" pgh_label, {', '.join([*obj, 'pgh_context_id'])})"
                    f" SELECT {source}, NOW(), 'insert', {'id, ' if obj else ''}%s"
                    f' FROM "{table}" WHERE "{self.key}" = ANY(%s::uuid[])',
                    [context_id, list(set(self.keys))],
                )
        tally.add(self.model._meta.label, self.count)
        self.buffer = io.StringIO()
        self.keys = []
        self.count = 0


# The columns every event table shares, before those of its own kind.
EVENT_COLUMNS = (
    "id",
    "kind",
    "from_status",
    "to_status",
    "occurred_at",
    "note",
    "document_number",
    "actor_id",
    "actor_label",
    "created_at",
)


def _history_model(model):
    """The event model of ``model``'s audit tracker (``npm_tracker.core.audit.track``)."""
    from django.apps import apps
    from pghistory.models import Event

    for candidate in apps.get_models():
        if (
            issubclass(candidate, Event)
            and candidate.pgh_tracked_model is model
            and not candidate.__name__.endswith("Confidential")
        ):
            return candidate
    return None


def _has_obj(history) -> bool:
    return any(f.name == "pgh_obj" for f in history._meta.concrete_fields)


_TRIGGERS: dict = {}
_CONTEXT: dict = {}


def attach_context() -> None:
    """Attach the context of this load afresh: an id kept from an earlier load in the same
    process (as in tests) would name another command's context."""
    _CONTEXT.clear()
    with connection.cursor() as cursor:
        _context_id(cursor)


def _context_id(cursor):
    """The pghistory context of the command, attached once: attaching upserts its row, and two
    processes doing that in every transaction would wait on each other's row lock."""
    if "id" not in _CONTEXT:
        with transaction.atomic():
            cursor.execute("SELECT _pgh_attach_context()")
            _CONTEXT["id"] = cursor.fetchone()[0]
    return _CONTEXT["id"]


def flush(tables, tally: Tally) -> None:
    """Write the gathered rows, parents first, in one transaction, with their history rows."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Attaching the context also sets it for the transaction (pghistory's wrapper).
            # A load that fails is simply run again: no need to wait for each commit's flush.
            cursor.execute("SET LOCAL synchronous_commit TO off")
            context_id = _context_id(cursor)
            names = []
            for table in tables:
                if table.model not in _TRIGGERS:
                    _TRIGGERS[table.model] = table.insert_triggers()
                names.extend(_TRIGGERS[table.model])
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"]
            )
        for table in tables:
            table.flush(tally, context_id)
