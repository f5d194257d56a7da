"""Tamper-evident history (CONTRACT.md, "Tamper-evident history").

Every history row (the django-pghistory event tables) and every case event (referral and
allegation events, ``INTEGRITY_EVENT_MODELS``) is sealed into a hash chain of its country:
``row_hash`` is the SHA-256 of the row as PostgreSQL renders it (``row_to_json``), and each
link's ``chain_hash`` is the SHA-256 of the previous link's chain hash, the table, the row id and
the row hash. ``seal`` appends the rows written since the last seal (beat runs it); ``verify``
recomputes every link from the rows as stored now and names the first that does not match; the
daily root of a country is the chain hash of its last link written up to the end of that day.

A row changed afterwards, even behind the triggers' back, no longer matches its link; a link
changed or removed breaks every chain hash after it.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.models import IntegrityLink

GENESIS = "0" * 64
BATCH = 5000


@dataclass(frozen=True)
class Source:
    model: type[models.Model]
    time_column: str
    country_model: type[models.Model] | None  # the record whose country a row takes
    country_path: str | None  # from that record to its country
    object_column: str | None  # the column of the row naming that record

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def pk_column(self) -> str:
        return self.model._meta.pk.column


def sources() -> list[Source]:
    """The tables sealed: every pghistory event table, and the case events."""
    import pghistory.models

    found = []
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and not model._meta.abstract:
            tracked = getattr(model, "pgh_tracked_model", None)
            path = getattr(tracked, "country_field", None)
            has_obj = any(f.name == "pgh_obj" for f in model._meta.get_fields())
            found.append(
                Source(
                    model,
                    "pgh_created_at",
                    tracked if path and has_obj else None,
                    path if has_obj else None,
                    "pgh_obj_id" if path and has_obj else None,
                )
            )
    for label in settings.INTEGRITY_EVENT_MODELS:
        model = apps.get_model(label)
        found.append(Source(model, "created_at", model, model.country_field, model._meta.pk.column))
    return sorted(found, key=lambda s: s.table)


def chain_step(previous: str, table: str, row_pk: str, row_hash: str) -> str:
    return hashlib.sha256(f"{previous}|{table}|{row_pk}|{row_hash}".encode()).hexdigest()


def _hash_sql(source: Source, where: str) -> str:
    return (
        f'SELECT t."{source.pk_column}"::text, t."{source.time_column}", '
        f"encode(sha256(convert_to(row_to_json(t)::text, 'UTF8')), 'hex')"
        + (f', t."{source.object_column}"::text' if source.object_column else ", NULL")
        + f' FROM "{source.table}" t WHERE {where}'
    )


def _countries(source: Source, object_ids: set) -> dict:
    if source.country_model is None or source.country_path is None or not object_ids:
        return {}
    rows = source.country_model._base_manager.filter(pk__in=object_ids).values_list(
        "pk", source.country_path
    )
    return {str(pk): country for pk, country in rows}


def seal(batch: int = BATCH) -> int:
    """Append the rows not yet sealed, oldest first; answers how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('integrity-seal'))")
                pending = []
                for source in sources():
                    cursor.execute(
                        _hash_sql(
                            source,
                            f'NOT EXISTS (SELECT 1 FROM "{IntegrityLink._meta.db_table}" l '
                            f"WHERE l.table_name = %s AND l.row_pk = "
                            f't."{source.pk_column}"::text)',
                        )
                        + f' ORDER BY t."{source.time_column}", t."{source.pk_column}" LIMIT %s',
                        [source.table, batch],
                    )
                    rows = cursor.fetchall()
                    countries = _countries(source, {r[3] for r in rows if r[3]})
                    pending += [
                        (at, source.table, pk, h, countries.get(obj)) for pk, at, h, obj in rows
                    ]
            if not pending:
                return sealed
            pending.sort(key=lambda row: (row[0], row[1], row[2]))
            pending = pending[:batch]
            heads: dict = {}
            links = []
            for at, table, pk, row_hash, country in pending:
                if country not in heads:
                    last = IntegrityLink.objects.filter(country=country).order_by("-seq").first()
                    heads[country] = last.chain_hash if last else GENESIS
                heads[country] = chain_step(heads[country], table, pk, row_hash)
                links.append(
                    IntegrityLink(
                        country_id=country,
                        table_name=table,
                        row_pk=pk,
                        occurred_at=at,
                        row_hash=row_hash,
                        chain_hash=heads[country],
                    )
                )
            IntegrityLink.objects.bulk_create(links)
            sealed += len(links)


@dataclass
class Break:
    table: str
    row_pk: str
    reason: str | Promise  # translatable


def verify(country=None) -> tuple[int, Break | None]:
    """(links checked, the first that does not match or None). ``country``: one country's chain
    (a Country), else every chain."""
    by_table = {s.table: s for s in sources()}
    links = IntegrityLink.objects.order_by("seq")
    if country is not None:
        links = links.filter(country=country)
    heads: dict = {}
    checked = 0
    chunk: list[IntegrityLink] = []

    def check(chunk) -> Break | None:
        current: dict = {}
        for table in {link.table_name for link in chunk}:
            source = by_table.get(table)
            if source is None:
                continue
            ids = [link.row_pk for link in chunk if link.table_name == table]
            with connection.cursor() as cursor:
                cursor.execute(_hash_sql(source, f't."{source.pk_column}"::text = ANY(%s)'), [ids])
                current.update({(table, pk): h for pk, _at, h, _obj in cursor.fetchall()})
        for link in chunk:
            stored = current.get((link.table_name, link.row_pk))
            if stored is None:
                return Break(link.table_name, link.row_pk, _("the row is gone"))
            if stored != link.row_hash:
                return Break(
                    link.table_name, link.row_pk, _("the row was changed after it was sealed")
                )
            previous = heads.get(link.country_id, GENESIS)
            expected = chain_step(previous, link.table_name, link.row_pk, link.row_hash)
            if expected != link.chain_hash:
                return Break(link.table_name, link.row_pk, _("the chain was changed at this link"))
            heads[link.country_id] = link.chain_hash
        return None

    for link in links.iterator(chunk_size=BATCH):
        chunk.append(link)
        if len(chunk) >= BATCH:
            found = check(chunk)
            if found:
                return checked, found
            checked += len(chunk)
            chunk = []
    found = check(chunk)
    if found:
        return checked, found
    return checked + len(chunk), None


def root_of(country, day: date) -> dict:
    """The chain hash of the country's last link written up to the end of ``day`` (in the
    country's time zone), and how many links the chain held then."""
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=country.zone)
    links = IntegrityLink.objects.filter(country=country, occurred_at__lt=end)
    last = links.order_by("-seq").first()
    return {
        "date": day.isoformat(),
        "root": last.chain_hash if last else None,
        "records": links.count(),
    }


def latest_root(country) -> str | None:
    last = IntegrityLink.objects.filter(country=country).order_by("-seq").first()
    return last.chain_hash if last else None
