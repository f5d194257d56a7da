"""Changelists that stay fast on tables of hundreds of thousands of rows.

Two things the stock admin does on every list page cost a full scan of the table:

- the paginator counts the rows exactly (``COUNT(*)``);
- the date hierarchy lists the years that have rows (``SELECT DISTINCT date_trunc('year', ...)``).

``EstimatedCountPaginator`` counts exactly while the planner expects few rows and takes the
planner's estimate beyond that (a list that long is paged through, not counted). The years of
the date hierarchy come from the first and the last date (two index lookups) instead.
"""

from datetime import date, datetime

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

# Below this many estimated rows the count is exact.
EXACT_COUNT_BELOW = 20_000


def estimated_rows(queryset: QuerySet) -> int:
    """The number of rows PostgreSQL's planner expects ``queryset`` to return."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # pragma: no cover - drivers that do not decode json
        import json

        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = estimated_rows(self.object_list)
            if estimate >= EXACT_COUNT_BELOW:
                return estimate
        return super().count


class BoundedYearsQuerySet(QuerySet):
    """Years between the first and the last value of a date field, instead of a scan for the
    distinct ones (a year without rows in between lists as an empty year)."""

    def _year_bounds(self, field_name: str):
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        return bounds["first"], bounds["last"]

    def dates(self, field_name, kind, order="ASC"):
        if kind != "year":
            return super().dates(field_name, kind, order)
        first, last = self._year_bounds(field_name)
        if first is None:
            return []
        years = [date(year, 1, 1) for year in range(first.year, last.year + 1)]
        return years if order == "ASC" else years[::-1]

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind != "year":
            return super().datetimes(field_name, kind, order, tzinfo)
        first, last = self._year_bounds(field_name)
        if first is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = timezone.localtime(first, zone), timezone.localtime(last, zone)
        years = [datetime(year, 1, 1, tzinfo=zone) for year in range(first.year, last.year + 1)]
        return years if order == "ASC" else years[::-1]


def with_bounded_years(queryset: QuerySet) -> QuerySet:
    """The same queryset, answering the date hierarchy's year list from its bounds."""
    clone = queryset._chain()  # type: ignore[attr-defined]  # QuerySet._chain is private but stable
    clone.__class__ = type(
        f"BoundedYears{type(queryset).__name__}", (BoundedYearsQuerySet, type(queryset)), {}
    )
    return clone
