"""The audit trail's admin page (django-pghistory's events), scoped like the records it tracks.

A superuser sees every event. Anybody else sees the history of one record at a time, and only
of a record they may open (``visible_to``): a record outside their scope answers exactly as an
unknown one (an empty list, no title naming it). The page's title names the record by its
``__str__``, which never shows a confidential value.
"""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.http import QueryDict
from pghistory.admin import EventsAdmin


def _tracked(value: str):
    """The model and primary key named by the page's ``obj=<app.Model>:<pk>`` parameter."""
    label, _sep, pk = (value or "").partition(":")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None, None
    return model, pk


def visible_record(request):
    """The record whose history the page asks for, if it exists and the user may open it."""
    model, pk = _tracked(request.GET.get("obj", ""))
    if model is None or not pk:
        return None
    records = model._default_manager.all()
    if not request.user.is_superuser:
        if not hasattr(records, "visible_to"):
            return None
        records = records.visible_to(request.user)
    try:
        return records.filter(pk=pk).first()
    except (ValidationError, ValueError):  # a malformed key is an unknown record
        return None


class ScopedEventsAdmin(EventsAdmin):
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if getattr(request, "_npm_history_of_nothing", False):
            return queryset.none()
        if request.user.is_superuser:
            return queryset
        record = visible_record(request)
        if record is None:
            return queryset.none()
        return queryset.tracks(record)

    def changelist_view(self, request, extra_context=None):
        if "obj" in request.GET and visible_record(request) is None:
            # Unknown and out of scope alike: the list of nothing, with no title naming a record.
            request._npm_history_of_nothing = True
            request.GET = QueryDict()
        return super().changelist_view(request, extra_context)
