"""Reads of the cases app that need more than a filter."""

from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import pgettext_lazy

from cases.models import Allegation, Deadline, Referral, ReferralEvent, prosecutor_office_id_of

# Names shown in the history instead of the technical event-table names.
HISTORY_LABELS = {
    "insert": pgettext_lazy("history", "created"),
    "update": pgettext_lazy("history", "changed"),
    "delete": pgettext_lazy("history", "deleted"),
}


def _model_name(label: str) -> str:
    """The verbose name of the record an event of pghistory's event model ``label`` tracks."""
    try:
        model = apps.get_model(label).pgh_tracked_model
    except (LookupError, AttributeError):
        return label.split(".")[-1]
    if model._meta.auto_created:  # a many-to-many table: name it by its field
        owner = model._meta.auto_created
        field = next(f for f in owner._meta.many_to_many if f.remote_field.through is model)
        return f"{capfirst(owner._meta.verbose_name)}: {field.verbose_name}"
    return capfirst(model._meta.verbose_name)


def timeline_of(allegation: Allegation) -> list:
    """The allegation's own steps and those of its referrals, in the order they happened."""
    referral_events = ReferralEvent.objects.filter(referral__allegation=allegation).select_related(
        "referral", "actor"
    )
    own = allegation.events.select_related("actor")
    rows = [
        {
            "at": e.occurred_at,
            "what": e.get_kind_display(),
            "subject": allegation.reference,
            "event": e,
        }
        for e in own
    ] + [
        {
            "at": e.occurred_at,
            "what": e.get_kind_display(),
            "subject": e.referral.reference,
            "event": e,
        }
        for e in referral_events
    ]
    return sorted(rows, key=lambda r: r["at"])


def deadlines_of_allegation(allegation: Allegation):
    """Every clock of the allegation, its referrals and its follow-ups, earliest due first."""
    return (
        Deadline.objects.filter(allegation=allegation)
        .union(
            Deadline.objects.filter(referral__allegation=allegation),
            Deadline.objects.filter(follow_up__allegation=allegation),
        )
        .order_by("due_at")
    )


def history_of(allegation: Allegation, *, limit: int = 200) -> list:
    """The audit trail of the allegation and every record that refers to it: who changed what,
    when and from where (confidential values are never in it)."""
    from pghistory.models import Events

    referrals = list(allegation.referrals.all())
    fields = ("pgh_created_at", "pgh_model", "pgh_label", "pgh_diff", "pgh_context")
    # pghistory compares objects of one model per query: the allegation, then its referrals.
    events = list(
        Events.objects.references(allegation).order_by("-pgh_created_at").values(*fields)[:limit]
    )
    if referrals:
        events += (
            Events.objects.references(*referrals)
            .order_by("-pgh_created_at")
            .values(*fields)[:limit]
        )
    events.sort(key=lambda e: e["pgh_created_at"], reverse=True)
    rows = []
    for event in events[:limit]:
        context = event["pgh_context"] or {}
        rows.append(
            {
                "at": event["pgh_created_at"],
                "model": _model_name(event["pgh_model"]),
                "label": HISTORY_LABELS.get(event["pgh_label"], event["pgh_label"]),
                "fields": sorted((event["pgh_diff"] or {}).keys()),
                "who": context.get("user") or context.get("actor") or "",
                "url": context.get("url", ""),
            }
        )
    return rows


def referrals_for(caller, referrals=None):
    """The referrals ``caller`` may open (of ``referrals``, else all): those it sees, and for a
    prosecutor's office client only those addressed to its office."""
    if referrals is None:
        referrals = Referral.objects.visible_to(caller)
    office_id = prosecutor_office_id_of(caller)
    return referrals if office_id is None else referrals.filter(prosecutor_office_id=office_id)
