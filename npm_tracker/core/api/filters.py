"""Query parameters of lists are read strictly: a value that cannot be read (empty, malformed,
not one of the choices) answers 400 with code ``invalid_filter`` and the parameter as the key of
``errors``. Ignoring it would answer the whole list, and a partner's bug would become a full
re-pull that looks like success."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ErrorDetail, ValidationError

from npm_tracker.core.errors import ErrorCode

NO_VALUE = _("Give a value, or leave the parameter out.")
UNREADABLE = _("This value cannot be read.")


class TrueFalseWidget(forms.TextInput):
    """A boolean parameter is ``true`` or ``false``: django-filter's widgets also read ``1``,
    ``0``, ``2`` and ``3`` (as the admin's select sends them). Anything else reads as nothing,
    which ``refuse_unreadable`` refuses."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        return {"true": True, "false": False}.get(str(value).lower()) if value else None


def invalid_filter(errors) -> ValidationError:
    """The 400 of unreadable query parameters: ``{parameter: [message, ...]}``."""
    code = str(ErrorCode.INVALID_FILTER)
    return ValidationError(
        {
            str(name): [ErrorDetail(str(message), code=code) for message in messages]
            for name, messages in errors.items()
        }
    )


def refuse_unreadable(form, data, names) -> None:
    """Adds an error to ``form`` (already validated) for each parameter of ``names`` that was
    sent but gave no value: blank, or a value its field reads as nothing (``overdue=xyz``)."""
    for name in names:
        if name not in data or name in form.errors:
            continue
        if not str(data.get(name, "")).strip():
            form.add_error(name, NO_VALUE)
        elif form.cleaned_data.get(name) is None:
            form.add_error(name, UNREADABLE)


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend with its errors as ``invalid_filter`` problems."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise invalid_filter(filterset.errors)
        return filterset.qs
