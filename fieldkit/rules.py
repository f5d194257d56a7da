"""The validation rules of the field app's forms, read from the serializers the sync hands each
operation to: the device checks a form offline with the same rules, and the same messages in
the user's language, as the server will apply when the batch arrives."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases.api.serializers import AllegationSerializer
from cases.vocabularies import VOCABULARIES
from facilities.api.serializers import RecommendationSerializer, VisitWriteSerializer
from fieldkit.api import FindingSerializer
from npm_tracker.core.api.base import CodeField, ScopedPrimaryKeyField

# The forms of the field app and the serializer of the operation each one becomes.
FORMS: dict[str, type[serializers.Serializer]] = {
    "visit": VisitWriteSerializer,
    "finding": FindingSerializer,
    "recommendation": RecommendationSerializer,
    "allegation": AllegationSerializer,
}
# Rules across fields, as the models state them (the same message).
CROSS_FIELD = {
    "visit": {
        "ended_on": {
            "not_before": "started_on",
            "message": _("A visit cannot end before it starts."),
        }
    },
}
MESSAGES = ("required", "null", "blank", "invalid", "max_length", "min_value", "max_value")
VOCABULARY_OF = {model: name for name, model in VOCABULARIES.items()}


def _kind(field) -> str:
    if isinstance(field, serializers.BooleanField):
        return "boolean"
    if isinstance(field, serializers.IntegerField):
        return "integer"
    if isinstance(field, serializers.DateTimeField):
        return "datetime"
    if isinstance(field, serializers.DateField):
        return "date"
    if isinstance(field, serializers.ChoiceField):
        return "choice"
    return "text"


def _messages(field) -> dict[str, str]:
    return {key: str(field.error_messages[key]) for key in MESSAGES if key in field.error_messages}


def field_rule(field) -> dict[str, Any]:
    """One field: its kind, whether it is required, its limits and its messages."""
    many = isinstance(field, serializers.ManyRelatedField)
    inner = field.child_relation if many else field
    if isinstance(field, serializers.ListField):
        inner, many = field.child, True
    rule: dict[str, Any] = {
        "required": bool(field.required),
        "allow_null": bool(getattr(inner, "allow_null", False) or field.allow_null),
        "many": many,
        "messages": {**_messages(inner), **_messages(field)},
    }
    if isinstance(inner, serializers.ListSerializer):
        inner = inner.child
        rule["many"] = True
    if isinstance(inner, serializers.Serializer):
        rule["kind"] = "object"
        rule["fields"] = form_rules(inner)
        return rule
    if isinstance(inner, CodeField):
        rule["kind"] = "vocabulary"
        rule["vocabulary"] = VOCABULARY_OF.get(inner.model, "countries")
        return rule
    if isinstance(inner, (ScopedPrimaryKeyField, serializers.UUIDField)):
        rule["kind"] = "record"
        return rule
    if isinstance(inner, serializers.SlugRelatedField):
        rule["kind"] = "vocabulary"
        rule["vocabulary"] = VOCABULARY_OF.get(inner.queryset.model, "")
        return rule
    rule["kind"] = _kind(inner)
    if rule["kind"] == "choice":
        rule["choices"] = [[code, str(label)] for code, label in inner.choices.items()]
    if rule["kind"] == "text":
        rule["allow_blank"] = bool(getattr(inner, "allow_blank", False))
        if getattr(inner, "max_length", None):
            rule["max_length"] = inner.max_length
        if isinstance(inner, serializers.RegexField):
            rule["pattern"] = inner.validators[-1].regex.pattern
    for limit in ("min_value", "max_value"):
        if getattr(inner, limit, None) is not None:
            rule[limit] = getattr(inner, limit)
    return rule


def form_rules(serializer: serializers.Serializer) -> dict[str, dict[str, Any]]:
    return {
        name: field_rule(field)
        for name, field in serializer.fields.items()
        if not field.read_only and not isinstance(field, serializers.HiddenField)
    }


def field_rules() -> dict[str, dict[str, Any]]:
    """Every form's fields, with the cross-field rules added to the field they constrain."""
    rules = {name: form_rules(serializer()) for name, serializer in FORMS.items()}
    for form, extra in CROSS_FIELD.items():
        for name, rule in extra.items():
            rules[form][name].update({key: str(value) for key, value in rule.items()})
    return rules
