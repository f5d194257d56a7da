"""Reminders of legal deadlines: one notice per overdue deadline, one weekly outlook per officer
and day. Each is claimed by a conditional write first, so running the same job twice, or two
workers at once, sends nothing twice.

Both work in bulk, so that a backlog (a worker stopped for a week, a data migration) costs a few
queries per batch rather than several per deadline: the responsible officer is computed in SQL
(``OFFICER``), the deadlines of a batch are read with their subjects in one query, and the mails
of a batch go out over one connection of the mail backend.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, When, Window
from django.db.models.functions import Coalesce, RowNumber, Substr
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.choices import Clock
from cases.models import Deadline, Notification
from npm_tracker.core import webhooks

SUBJECTS = ("referral__allegation", "allegation", "follow_up__allegation", "recommendation")
# Who answers for a clock: the officer assigned to the allegation behind it; for a
# recommendation, whoever logged the visit it came from. The first subject present decides, so
# an allegation without an assigned officer has nobody, even if a visit is known.
OFFICER = Case(
    When(referral__isnull=False, then=F("referral__allegation__assigned_officer")),
    When(allegation__isnull=False, then=F("allegation__assigned_officer")),
    When(follow_up__isnull=False, then=F("follow_up__allegation__assigned_officer")),
    When(recommendation__isnull=False, then=F("recommendation__visit__created_by")),
    default=None,
)
# The reference subject_of gives a clock, in SQL (a recommendation has no reference: its text).
SUBJECT = Coalesce(
    F("referral__reference"),
    F("allegation__reference"),
    F("follow_up__allegation__reference"),
    Substr(F("recommendation__text"), 1, 60),
)
NOTICE_BATCH = 50  # overdue notices claimed, and their mails sent, per transaction
DIGEST_ITEMS = 25  # deadlines listed per section of a digest; the rest are counted


def subject_of(deadline: Deadline) -> str:
    """A reference for the record behind a clock: reference numbers only, no personal data."""
    if deadline.referral is not None:
        return deadline.referral.reference
    if deadline.allegation is not None:
        return deadline.allegation.reference
    if deadline.follow_up is not None:
        return deadline.follow_up.allegation.reference
    return str(deadline.recommendation)[:60]


def _with_officer(deadlines):
    return deadlines.annotate(officer_id=OFFICER)


def _officers(pks) -> dict:
    """The active officers with a mail address among ``pks``, with their profiles."""
    users = get_user_model().objects.filter(pk__in=[pk for pk in pks if pk], is_active=True)
    return {u.pk: u for u in users.exclude(email="").select_related("staff_profile")}


def _language(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return profile.preferred_language if profile else settings.LANGUAGE_CODE


def _message(user, template: str, context: dict) -> EmailMessage:
    with translation.override(_language(user)):
        subject = render_to_string(f"cases/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"cases/email/{template}.txt", context)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def _claim_overdue(now, limit: int) -> list[Deadline]:
    """Claim up to ``limit`` overdue deadlines not yet notified (in the caller's transaction):
    rows another worker holds are skipped, and the claim is the write of
    ``overdue_notified_at``, undone if the transaction fails."""
    pks = list(
        Deadline.objects.overdue(now)
        .filter(overdue_notified_at__isnull=True)
        .order_by("due_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:limit]
    )
    Deadline.objects.filter(pk__in=pks).update(overdue_notified_at=now)
    return list(
        _with_officer(Deadline.objects.filter(pk__in=pks))
        .select_related("country", *SUBJECTS)
        .order_by("due_at")
    )


def notify_overdue(*, now=None, limit: int = 500) -> int:
    """Send one notice per overdue deadline to its responsible officer, at most ``limit`` in one
    run, oldest first. Returns how many were sent. Deadlines are claimed and their mails sent in
    batches of ``NOTICE_BATCH``, each batch in one transaction: a mail that cannot be sent undoes
    its batch's claims, leaving those deadlines to the next run."""
    now = now or timezone.now()
    sent = 0
    while limit > 0:
        with transaction.atomic():
            batch = _claim_overdue(now, min(NOTICE_BATCH, limit))
            if not batch:
                break
            limit -= len(batch)
            referrals: dict = {}  # each country's webhooks hear of its own referrals only
            for deadline in batch:
                if deadline.referral_id:
                    referrals.setdefault(deadline.country_id, []).append(deadline.referral_id)
            for country_id, referral_ids in referrals.items():
                webhooks.emit_many(
                    "referral.overdue",
                    country_id=country_id,
                    object_type="referral",
                    object_ids=referral_ids,
                )
            officers = _officers(d.officer_id for d in batch)  # type: ignore[attr-defined]  # annotated by _with_officer
            notices, messages = [], []
            for deadline in batch:
                officer = officers.get(deadline.officer_id)  # type: ignore[attr-defined]  # annotated by _with_officer
                if officer is None:
                    continue
                context = {
                    "deadline": deadline,
                    "subject": subject_of(deadline),
                    "officer": officer,
                }
                message = _message(officer, "overdue", context)
                messages.append(message)
                notices.append(
                    Notification(
                        recipient=officer,
                        kind="overdue",
                        deadline=deadline,
                        subject=str(message.subject),
                    )
                )
            Notification.objects.bulk_create(notices)
            get_connection(fail_silently=False).send_messages(messages)
            sent += len(messages)
    return sent


def send_digests(*, day=None) -> int:
    """Send each officer, once per day, their clocks overdue and due within a week: how many of
    each, and the ``DIGEST_ITEMS`` most urgent of each (the home page lists them all). One
    query ranks and counts every officer's clocks (a window per officer and section) and
    returns only the rows to list; a second reads those rows with their subjects."""
    now = timezone.now()
    day = day or timezone.localdate()
    done_today = Notification.objects.filter(kind="digest", day=day).values("recipient")
    section = [F("officer_id"), F("late")]
    ranked = (
        _with_officer(Deadline.objects.open().filter(due_at__lte=now + timedelta(days=7)))
        .filter(officer_id__isnull=False)
        .exclude(officer_id__in=done_today)
        .annotate(
            late=Case(When(due_at__lt=now, then=True), default=False),
            # Clocks falling due at the same moment are listed in a fixed order (by id).
            rank=Window(RowNumber(), partition_by=section, order_by=("due_at", "id")),
            in_section=Window(Count("pk"), partition_by=section),
        )
        .filter(rank__lte=DIGEST_ITEMS)
        .values_list("pk", "officer_id", "late", "in_section")
    )
    counts: dict = {}
    listed: dict = {}
    for pk, officer_id, late, in_section in ranked:
        counts.setdefault(officer_id, {True: 0, False: 0})[late] = in_section
        listed[pk] = (officer_id, late)
    officers = _officers(counts)
    rows = (
        Deadline.objects.filter(pk__in=[pk for pk, (o, _l) in listed.items() if o in officers])
        .order_by("due_at", "id")
        .values("pk", "due_at", "clock", "legal_source", zone=F("country__timezone"))
        .annotate(subject=SUBJECT)
    )
    by_officer: dict = {pk: {True: [], False: []} for pk in officers}
    for row in rows:
        officer_id, late = listed[row["pk"]]
        by_officer[officer_id][late].append(row)
    sent = 0
    connection = get_connection(fail_silently=False)
    for pk, officer in officers.items():
        overdue, upcoming = by_officer[pk][True], by_officer[pk][False]
        with translation.override(_language(officer)):
            clocks = {c.value: str(c.label) for c in Clock}
            context = {
                "officer": officer,
                "overdue": [_digest_line(row, clocks) for row in overdue],
                "upcoming": [_digest_line(row, clocks) for row in upcoming],
                "overdue_count": counts[pk][True],
                "upcoming_count": counts[pk][False],
                "overdue_more": counts[pk][True] - len(overdue),
                "upcoming_more": counts[pk][False] - len(upcoming),
                "home": f"{settings.SITE_URL.rstrip('/')}/admin/",
            }
        message = _message(officer, "digest", context)
        try:
            with transaction.atomic():
                Notification.objects.create(
                    recipient=officer, kind="digest", day=day, subject=str(message.subject)
                )
                connection.send_messages([message])
        except IntegrityError:
            continue  # another run sent it today
        sent += 1
    return sent


def _digest_line(row: dict, clocks: dict) -> dict:
    """One line of a digest, formatted here rather than in the template (a digest lists up to
    twice ``DIGEST_ITEMS`` of them), in the clock's country time."""
    due = timezone.localtime(row["due_at"], ZoneInfo(row["zone"]))
    return {
        "due": due.strftime("%Y-%m-%d %H:%M"),
        "clock": clocks.get(row["clock"], row["clock"]),
        "subject": row["subject"],
        "legal_source": row["legal_source"],
    }
