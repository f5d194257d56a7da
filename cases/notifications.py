"""Reminders of legal deadlines: one notice per overdue deadline, one weekly outlook per officer
and day. Each is claimed by a conditional write first, so running the same job twice, or two
workers at once, sends nothing twice."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import Deadline, Notification
from npm_tracker import webhooks

SUBJECTS = ("referral__allegation", "allegation", "follow_up__allegation", "recommendation")


def responsible_officer(deadline: Deadline):
    """Who answers for a clock: the officer assigned to the allegation behind it; for a
    recommendation, whoever logged the visit it came from."""
    for allegation in (
        deadline.referral.allegation if deadline.referral_id else None,
        deadline.allegation,
        deadline.follow_up.allegation if deadline.follow_up_id else None,
    ):
        if allegation is not None:
            return allegation.assigned_officer
    if deadline.recommendation_id and deadline.recommendation.visit_id:
        return deadline.recommendation.visit.created_by
    return None


def subject_of(deadline: Deadline) -> str:
    """A reference for the record behind a clock: reference numbers only, no personal data."""
    if deadline.referral_id:
        return deadline.referral.reference
    if deadline.allegation_id:
        return deadline.allegation.reference
    if deadline.follow_up_id:
        return deadline.follow_up.allegation.reference
    return str(deadline.recommendation)[:60]


def _language(user) -> str:
    profile = getattr(user, "staff_profile", None)
    return profile.preferred_language if profile else settings.LANGUAGE_CODE


def _send(user, template: str, context: dict) -> str:
    with translation.override(_language(user)):
        subject = render_to_string(f"cases/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"cases/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    return subject


def notify_overdue(*, now=None, limit: int = 500) -> int:
    """Send one notice per overdue deadline to its responsible officer. Returns how many were
    sent. A deadline is claimed by setting ``overdue_notified_at`` where it is still empty; the
    mail goes out inside that transaction, so a failure leaves the deadline to the next run."""
    now = now or timezone.now()
    sent = 0
    candidates = (
        Deadline.objects.overdue(now)
        .filter(overdue_notified_at__isnull=True)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(candidates):
        with transaction.atomic():
            claimed = Deadline.objects.filter(
                pk=pk, overdue_notified_at__isnull=True, met_at__isnull=True
            ).update(overdue_notified_at=now)
            if not claimed:
                continue
            deadline = Deadline.objects.select_related(
                *SUBJECTS, "referral__allegation__assigned_officer"
            ).get(pk=pk)
            if deadline.referral_id:
                webhooks.emit(
                    "referral.overdue",
                    country_id=deadline.country_id,
                    object_type="referral",
                    object_id=deadline.referral_id,
                )
            officer = responsible_officer(deadline)
            if officer is None or not officer.email or not officer.is_active:
                continue
            context = {"deadline": deadline, "subject": subject_of(deadline), "officer": officer}
            Notification.objects.create(
                recipient=officer,
                kind="overdue",
                deadline=deadline,
                subject=_send(officer, "overdue", context),
            )
            sent += 1
    return sent


def send_digests(*, day=None) -> int:
    """Send each officer, once per day, the list of their clocks overdue or due within a week."""
    from django.contrib.auth import get_user_model

    now = timezone.now()
    day = day or timezone.localdate()
    horizon = now + timedelta(days=7)
    due_soon = (
        Deadline.objects.open()
        .filter(due_at__lte=horizon)
        .select_related(*SUBJECTS)
        .order_by("due_at")
    )
    by_officer: dict = {}
    for deadline in due_soon:
        officer = responsible_officer(deadline)
        if officer is not None and officer.email and officer.is_active:
            by_officer.setdefault(officer.pk, []).append(deadline)
    sent = 0
    officers = get_user_model().objects.filter(pk__in=by_officer).select_related("staff_profile")
    for officer in officers:
        items = [{"deadline": d, "subject": subject_of(d)} for d in by_officer[officer.pk]]
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=officer, kind="digest", day=day, subject="…"
                )
                note.subject = _send(
                    officer, "digest", {"items": items, "officer": officer, "now": now}
                )
                note.save(update_fields=["subject"])
        except IntegrityError:
            continue  # already sent today
        sent += 1
    return sent


def officer_deadlines(user):
    """Open clocks the user answers for (used by the digest and the officer's lists)."""
    return Deadline.objects.open().filter(
        Q(referral__allegation__assigned_officer=user)
        | Q(allegation__assigned_officer=user)
        | Q(follow_up__allegation__assigned_officer=user)
    )
