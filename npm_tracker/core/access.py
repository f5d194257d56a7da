"""The read-access log (DOMAIN.md §6: every read of confidential data is logged).

``record_reads`` writes one append-only ``AccessLog`` row per record whose identity or medical
data was shown, from whichever channel showed it (admin page, API response, PDF, export). Only
ids go into the log, never the values read.
"""

from datetime import timedelta

from npm_tracker.core import roles
from npm_tracker.core.models import AccessChannel, AccessLog
from npm_tracker.core.services import actor_fields


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record_reads(*, actor, channel: AccessChannel, records, what: str, request=None, reason=""):
    """Log that ``actor`` saw ``what`` ("identity", "medical", ...) of each record.

    ``records`` are model instances with ``country_field`` access: allegations and their parts,
    referrals, evidence. Returns the rows written."""
    who = actor_fields(actor)
    user, label = who["actor"], who["actor_label"][:200]
    rows = []
    for record in records:
        allegation_id, country_id = _allegation_and_country(record)
        rows.append(
            AccessLog(
                user=user,
                actor_label=label,
                channel=channel,
                country_id=country_id,
                object_type=record._meta.label_lower,
                object_id=record.pk,
                allegation_id=allegation_id,
                what=what,
                ip_address=client_ip(request),
                path=(request.path[:300] if request is not None else ""),
                reason=reason[:300],
            )
        )
    return AccessLog.objects.bulk_create(rows)


def _allegation_and_country(record):
    case = roles.case_of(record)
    if case is not None:
        return case.pk, case.country_id
    raise TypeError(f"No allegation behind {record._meta.label}")


def unusual_readers(log, *, days: int = 30, factor: float = 3.0, minimum: int = 20) -> list[dict]:
    """Users who read the records of many more allegations than their peers in the last ``days``:
    more than ``factor`` times the median of all readers and at least ``minimum``."""
    from statistics import median

    from django.db.models import Count
    from django.utils import timezone

    since = timezone.now() - timedelta(days=days)
    counts = list(
        log.filter(at__gte=since, user__isnull=False)
        .values("user__username")
        .annotate(records=Count("allegation_id", distinct=True), reads=Count("id"))
        .order_by("-records")
    )
    if not counts:
        return []
    typical = median(row["records"] for row in counts)
    return [
        {**row, "typical": typical}
        for row in counts
        if row["records"] >= minimum and row["records"] > factor * typical
    ]
