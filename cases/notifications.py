"""Reminders of legal deadlines: one notice per overdue deadline, one weekly outlook per officer
and day. Each is claimed by a conditional write first, so running the same job twice, or two
workers at once, sends nothing twice.

Both work in bulk, so that a backlog (a worker stopped for a week, a data migration) costs a few
queries per batch rather than several per deadline: the responsible officer is computed in SQL
(``OFFICER``), the deadlines of a batch are read with their subjects in one query, and the mails
of a batch go out over one connection of the mail backend.
"""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, Q, When, Window
from django.db.models.functions import Coalesce, RowNumber, Substr
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.choices import Clock
from cases.models import Deadline, Notification
from npm_tracker.core import integrity, outbox, webhooks
from npm_tracker.core.models import Country
from npm_tracker.core.roles import HEAD

log = logging.getLogger(__name__)

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
NOTICE_BATCH = 50  # overdue deadlines claimed, and their notices recorded, per transaction
UNREACHABLE_RECHECK = timedelta(hours=1)  # a deadline nobody could receive is looked at again
MAIL = "notice.mail"
HISTORY_BREAK = "history_break"
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


def _reachable_users():
    return get_user_model().objects.filter(is_active=True).exclude(email="")


def unattended(deadlines):
    """Those of ``deadlines`` whose responsible officer cannot receive mail: none assigned,
    inactive, or without an e-mail address. Their notices go to the NPM heads."""
    return _with_officer(deadlines).filter(
        Q(officer_id__isnull=True) | ~Q(officer_id__in=_reachable_users().values("pk"))
    )


def unreachable(deadlines):
    """Those of ``deadlines`` overdue whose notice nobody could receive (see ``notify_overdue``)."""
    return deadlines.overdue().filter(
        overdue_notified_at__isnull=True, unreachable_at__isnull=False
    )


def _officers(pks) -> dict:
    """The active officers with a mail address among ``pks``, with their profiles."""
    users = _reachable_users().filter(pk__in=[pk for pk in pks if pk])
    return {u.pk: u for u in users.select_related("staff_profile")}


def heads_of(country_ids) -> dict:
    """The NPM heads who can receive mail, per country: ``{country_id: [user, ...]}``."""
    rows = list(
        _reachable_users()
        .filter(groups__name=HEAD, staff_profile__countries__in=list(country_ids))
        .values_list("pk", "staff_profile__countries")
    )
    users = _officers({pk for pk, _country in rows})
    heads: dict = {}
    for pk, country_id in rows:
        heads.setdefault(country_id, []).append(users[pk])
    return heads


def _language(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return profile.preferred_language if profile else settings.LANGUAGE_CODE


def _render(user, template: str, context: dict) -> tuple[str, str]:
    """Subject and text of a message, in ``user``'s language (the default one for an address
    that is nobody's)."""
    language = _language(user) if user is not None else settings.LANGUAGE_CODE
    with translation.override(language):
        subject = render_to_string(f"cases/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"cases/email/{template}.txt", context)
    return subject[:300], body


def _notice(kind: str, user, address: str, template: str, context: dict, **fields):
    subject, body = _render(user, template, context)
    return Notification(
        recipient=user, address=address, kind=kind, subject=subject, body=body, **fields
    )


def _queue(notices: list) -> None:
    """Record the notices and queue their mails, in the caller's transaction."""
    Notification.objects.bulk_create(notices)
    outbox.enqueue_many(MAIL, [{"notification": str(n.pk)} for n in notices])


def mail_notice(payload: dict, attempt: int) -> None:
    """The outbox handler of ``MAIL``: send one recorded notice, once. A mail server that fails
    raises, and the outbox tries again."""
    notice = Notification.objects.filter(pk=payload["notification"]).first()
    if notice is None or notice.delivered_at is not None:
        return
    EmailMessage(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.address]).send(
        fail_silently=False
    )
    Notification.objects.filter(pk=notice.pk).update(delivered_at=timezone.now())


def _claim_overdue(now, limit: int) -> list[Deadline]:
    """Lock up to ``limit`` overdue deadlines not yet notified (in the caller's transaction):
    rows another worker holds are skipped; a deadline nobody could receive is looked at again
    after ``UNREACHABLE_RECHECK``."""
    pks = list(
        Deadline.objects.overdue(now)
        .filter(overdue_notified_at__isnull=True)
        .filter(Q(unreachable_at__isnull=True) | Q(unreachable_at__lt=now - UNREACHABLE_RECHECK))
        .order_by("due_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:limit]
    )
    return list(
        _with_officer(Deadline.objects.filter(pk__in=pks))
        .select_related("country", *SUBJECTS)
        .order_by("due_at")
    )


def _recipients(deadline, officers: dict, heads: dict) -> list[tuple]:
    """Who receives the notice of ``deadline``: ``(user or None, address)`` pairs. Its officer;
    without one who can receive mail, the country's NPM heads and its duty address."""
    officer = officers.get(deadline.officer_id)
    if officer is not None:
        return [(officer, officer.email)]
    pairs = [(head, head.email) for head in heads.get(deadline.country_id, [])]
    duty = deadline.country.duty_email
    if duty and duty not in {address for _user, address in pairs}:
        pairs.append((None, duty))
    return pairs


def notify_overdue(*, now=None, limit: int = 500) -> int:
    """Record one notice per overdue deadline and recipient, and queue its mail, at most
    ``limit`` deadlines in one run, oldest first. Returns how many notices were recorded.

    A deadline is marked notified in the transaction that records its notices, and only when
    there is somebody to receive one (``_recipients``); otherwise it is marked unreachable,
    shown on the admin home, and looked at again later. Deadlines are taken in batches of
    ``NOTICE_BATCH``, each batch in one transaction."""
    now = now or timezone.now()
    recorded = 0
    while limit > 0:
        with transaction.atomic():
            batch = _claim_overdue(now, min(NOTICE_BATCH, limit))
            if not batch:
                break
            limit -= len(batch)
            # Each country's webhooks hear of its own referrals only, and an office's of its own.
            referrals: dict = {}
            for deadline in batch:
                if deadline.referral is not None and deadline.unreachable_at is None:
                    office_id = deadline.referral.prosecutor_office_id
                    referrals.setdefault((deadline.country_id, office_id), []).append(
                        deadline.referral_id
                    )
            for (country_id, office_id), referral_ids in referrals.items():
                webhooks.emit_many(
                    "referral.overdue",
                    country_id=country_id,
                    object_type="referral",
                    object_ids=referral_ids,
                    prosecutor_office_id=office_id,
                )
            officers = _officers(d.officer_id for d in batch)  # type: ignore[attr-defined]  # annotated by _with_officer
            without = {d.country_id for d in batch if d.officer_id not in officers}  # type: ignore[attr-defined]
            heads = heads_of(without) if without else {}
            notices: list[Notification] = []
            notified: list = []
            nobody: list = []
            for deadline in batch:
                pairs = _recipients(deadline, officers, heads)
                (notified if pairs else nobody).append(deadline.pk)
                for user, address in pairs:
                    context = {
                        "deadline": deadline,
                        "subject": subject_of(deadline),
                        "officer": user,
                        "without_officer": deadline.officer_id not in officers,  # type: ignore[attr-defined]
                    }
                    notices.append(
                        _notice("overdue", user, address, "overdue", context, deadline=deadline)
                    )
            Deadline.objects.filter(pk__in=notified).update(
                overdue_notified_at=now, unreachable_at=None
            )
            Deadline.objects.filter(pk__in=nobody).update(unreachable_at=now)
            if nobody:
                log.warning("%s overdue deadline(s) with nobody to notify", len(nobody))
            _queue(notices)
            recorded += len(notices)
    return recorded


def send_digests(*, day=None) -> int:
    """Record for each officer, once per day, a digest of their clocks overdue and due within a
    week: how many of each, and the ``DIGEST_ITEMS`` most urgent of each (the home page lists
    them all); an NPM head's digest also lists the overdue clocks of their countries that have
    no officer who can receive mail. Each digest is mailed by the outbox. Returns how many were
    recorded. One query ranks and counts every officer's clocks (a window per officer and
    section) and returns only the rows to list; one does the same per country for the clocks
    without an officer; one reads the listed rows with their subjects."""
    now = timezone.now()
    day = day or timezone.localdate()
    already = set(
        Notification.objects.filter(kind="digest", day=day).values_list("recipient", flat=True)
    )
    section = [F("officer_id"), F("late")]
    ranked = (
        _with_officer(Deadline.objects.open().filter(due_at__lte=now + timedelta(days=7)))
        .filter(officer_id__isnull=False)
        .exclude(officer_id__in=already)
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
    orphans = (
        unattended(Deadline.objects.overdue(now))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("country_id")], order_by=("due_at", "id")),
            in_country=Window(Count("pk"), partition_by=[F("country_id")]),
        )
        .filter(rank__lte=DIGEST_ITEMS)
        .values_list("pk", "country_id", "in_country")
    )
    orphan_count: dict = {}
    orphan_of: dict = {}
    for pk, country_id, in_country in orphans:
        orphan_count[country_id] = in_country
        orphan_of[pk] = country_id
    heads = heads_of(orphan_count) if orphan_count else {}
    recipients = dict(officers)
    countries_of: dict = {}
    for country_id, users in heads.items():
        for head in users:
            if head.pk not in already:
                recipients.setdefault(head.pk, head)
                countries_of.setdefault(head.pk, []).append(country_id)
    to_read = [pk for pk, (o, _l) in listed.items() if o in officers] + list(orphan_of)
    rows = (
        Deadline.objects.filter(pk__in=to_read)
        .order_by("due_at", "id")
        .values("pk", "due_at", "clock", "legal_source", zone=F("country__timezone"))
        .annotate(subject=SUBJECT)
    )
    by_officer: dict = {pk: {True: [], False: []} for pk in recipients}
    by_country: dict = {}
    for row in rows:
        if row["pk"] in listed:
            officer_id, late = listed[row["pk"]]
            by_officer.setdefault(officer_id, {True: [], False: []})[late].append(row)
        if row["pk"] in orphan_of:
            by_country.setdefault(orphan_of[row["pk"]], []).append(row)
    recorded = 0
    for pk, user in recipients.items():
        overdue, upcoming = by_officer[pk][True], by_officer[pk][False]
        own = counts.get(pk, {True: 0, False: 0})
        countries = countries_of.get(pk, [])
        orphan_rows = [row for c in countries for row in by_country.get(c, [])][:DIGEST_ITEMS]
        orphans_total = sum(orphan_count.get(c, 0) for c in countries)
        with translation.override(_language(user)):
            clocks = {c.value: str(c.label) for c in Clock}
            context = {
                "officer": user,
                "overdue": [_digest_line(row, clocks) for row in overdue],
                "upcoming": [_digest_line(row, clocks) for row in upcoming],
                "overdue_count": own[True],
                "upcoming_count": own[False],
                "overdue_more": own[True] - len(overdue),
                "upcoming_more": own[False] - len(upcoming),
                "unattended": [_digest_line(row, clocks) for row in orphan_rows],
                "unattended_more": orphans_total - len(orphan_rows),
                "home": f"{settings.SITE_URL.rstrip('/')}/admin/",
            }
        notice = _notice("digest", user, user.email, "digest", context, day=day)
        try:
            with transaction.atomic():
                _queue([notice])
        except IntegrityError:
            continue  # another run recorded it today
        recorded += 1
    return recorded


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


outbox.register(
    outbox.Kind(
        name=MAIL,
        task="cases.mail_notice",
        handler="cases.notifications.mail_notice",
        max_attempts=10,
        lease_seconds=lambda: 150.0,
        backoff_seconds=lambda attempt: min(60.0 * 2 ** (attempt - 1), 3600.0),
    )
)


def verify_history(*, day=None) -> dict:
    """Seal what is new, then verify each country's tamper-evident history. A country whose
    chain does not hold is told to its NPM heads and its duty address, once a day while the
    break lasts (the notice names the table and id of the first record that does not match).
    Returns ``{country code: None, or "table id: reason"}``."""
    day = day or timezone.localdate()
    integrity.seal()
    broken: dict = {}
    result: dict = {}
    for country in Country.objects.order_by("code"):
        checked, found = integrity.verify(country)
        result[country.code] = f"{found.table} {found.row_pk}: {found.reason}" if found else None
        if found is not None:
            log.error("history of %s does not verify: %s", country.code, result[country.code])
            broken[country.pk] = (country, checked, found)
    if not broken:
        return result
    told = set(
        Notification.objects.filter(kind=HISTORY_BREAK, day=day).values_list("address", flat=True)
    )
    heads = heads_of(broken)
    notices = []
    for country_id, (country, checked, found) in broken.items():
        targets = [(head, head.email) for head in heads.get(country_id, [])]
        if country.duty_email:
            targets.append((None, country.duty_email))
        context = {"country": country, "checked": checked, "found": found}
        for user, address in targets:
            if address in told:
                continue
            told.add(address)
            context["head"] = user
            notices.append(
                _notice(HISTORY_BREAK, user, address, "history_break", dict(context), day=day)
            )
    with transaction.atomic():
        _queue(notices)
    return result
