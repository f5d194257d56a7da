"""Base classes of the API: visibility, services for writes, ETag / If-Match, filters."""

import hashlib
from datetime import UTC

import django_filters
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.http import parse_etags
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.fields import get_attribute
from rest_framework.generics import get_object_or_404
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField
from rest_framework.response import Response

from npm_tracker.core.api.errors import PreconditionFailed
from npm_tracker.core.api.filters import TrueFalseWidget, refuse_unreadable
from npm_tracker.core.api.replay import idempotent
from npm_tracker.core.models import COUNTRY_CODES, related
from npm_tracker.core.services import mark_locked

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the record as read; a stale value answers 412.",
)


def etag_of(obj) -> str:
    stamp = getattr(obj, "updated_at", None) or getattr(obj, "created_at", None)
    raw = f"{obj.pk}:{stamp.isoformat() if stamp else ''}:{getattr(obj, 'status', '')}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def _not_modified(request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, RFC 9110 13.1.2) or is ``*``."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in {tag.removeprefix("W/") for tag in tags}


class ConditionalRetrieveMixin:
    """A detail read carries the record's ``ETag``; sent back in ``If-None-Match`` while the
    record is unchanged, it answers ``304 Not Modified`` with no body (and nothing is
    serialised, so no confidential field is read or logged)."""

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        etag = etag_of(obj)
        if _not_modified(request, etag):
            response = Response(status=304)
        else:
            response = Response(self.get_serializer(obj).data)
        response["ETag"] = etag
        return response


def _related_records(field, instance):
    """What a many-valued field shows: the relation at the end of its source, read through
    ``related`` (a prefetched list when the view made one)."""
    *path, name = field.source_attrs
    owner = get_attribute(instance, path)
    if owner is None or getattr(owner, "pk", True) is None:
        return []
    return related(owner, name)


class RelatedListSerializer(serializers.ListSerializer):
    """A nested ``many=True`` serializer that reads prefetched lists (``prefetch_list``)."""

    def get_attribute(self, instance):
        return _related_records(self, instance)


class RelatedManyField(ManyRelatedField):
    """A ``many=True`` related field that reads prefetched lists (``prefetch_list``)."""

    def get_attribute(self, instance):
        return _related_records(self, instance)


class JsonBooleanField(serializers.BooleanField):
    """``true`` or ``false`` as JSON: DRF's field also takes ``0``, ``1``, ``"yes"``, ``"on"``
    and more, which would hide a partner's bug behind a plausible value."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class JsonCharField(serializers.CharField):
    """Text as a JSON string: DRF's field also turns a number into its digits."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonUUIDField(serializers.UUIDField):
    """A UUID as a JSON string: DRF's field also reads a number as the UUID of that integer."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


# Every model's boolean and text in every API body: one mapping, read by all model serializers.
serializers.ModelSerializer.serializer_field_mapping = {
    **serializers.ModelSerializer.serializer_field_mapping,
    models.BooleanField: JsonBooleanField,
    models.CharField: JsonCharField,
    models.TextField: JsonCharField,
}


class CodeField(serializers.SlugRelatedField):
    """A vocabulary item or country given and shown by its stable code, limited to what the
    caller may see."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs.setdefault("slug_field", "code")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = self.model.objects.all()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user)
        return queryset

    @classmethod
    def many_init(cls, *args, **kwargs):
        # As RelatedField.many_init, with the list read through ``related``.
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({k: v for k, v in kwargs.items() if k in MANY_RELATION_KWARGS})
        return RelatedManyField(**list_kwargs)


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A record given by id; ids outside the caller's scope do not exist."""

    def __init__(self, model, **kwargs):
        self.model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return self.model.objects.visible_to(request.user if request else None)


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter that hands PostgreSQL a UTC value: Python accepts offsets
    PostgreSQL refuses (beyond ±15:59), which must be a 400, never a server error."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return super().filter(qs, value)


@extend_schema_field({"type": "string", "enum": list(COUNTRY_CODES)})
class CountryFilter(django_filters.ChoiceFilter):
    """Records of one country, given by its code (another code is refused)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("field_name", "country__code")
        kwargs.setdefault("choices", [(code, code) for code in COUNTRY_CODES])
        super().__init__(**kwargs)


class ScopedIdFilter(django_filters.UUIDFilter):
    """A record named by id: one the caller may not see filters to an empty list, exactly like
    one that does not exist (neither answer tells that the record exists)."""

    def __init__(self, *args, visible: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.visible = visible

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if not self.visible.filter(pk=value).exists():
            return qs.none()
        return qs.filter(**{self.field_name: value})


class ScopedFilterSet(django_filters.FilterSet):
    """Filters limited to what the caller may see (an id outside their scope filters to nothing,
    as an unknown id does), read strictly: a parameter sent with a value that cannot be read
    is refused (``filters.invalid_filter``), never ignored."""

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = getattr(request, "user", None)
        for name, item in list(self.filters.items()):
            choices = getattr(item, "queryset", None)
            if isinstance(choices, QuerySet) and hasattr(choices, "visible_to"):
                if isinstance(item, django_filters.ModelChoiceFilter):
                    scoped = ScopedIdFilter(
                        field_name=item.field_name, visible=choices.visible_to(user)
                    )
                    scoped.model, scoped.parent = item.model, self
                    self.filters[name] = scoped
                else:
                    item.queryset = choices.visible_to(user)
            if isinstance(item, django_filters.BooleanFilter):
                item.extra["widget"] = TrueFalseWidget

    def is_valid(self):
        self.form.is_valid()
        refuse_unreadable(self.form, self.data, self.filters)
        return not self.form.errors


class UpdatedSinceFilter(ScopedFilterSet):
    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class DomainViewSet(
    ConditionalRetrieveMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Reads through ``visible_to`` (out of scope answers 404), writes through services, an ETag
    on every detail and ``If-Match`` checked under the row lock."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def initial(self, request, *args, **kwargs):
        self.identity_reads = []
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        reads = getattr(self, "identity_reads", None)
        if reads and response.status_code < 400:
            from npm_tracker.core.access import record_reads
            from npm_tracker.core.models import AccessChannel

            record_reads(
                actor=request.user,
                channel=AccessChannel.API,
                records=list({obj.pk: obj for obj in reads}.values()),
                what="identity",
                request=request,
            )
        return super().finalize_response(request, response, *args, **kwargs)

    def base_queryset(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no caller
            return self.base_queryset().none()
        return self.base_queryset().visible_to(self.request.user)

    def check_if_match(self, obj) -> None:
        expected = self.request.headers.get("If-Match")
        if expected and expected.strip() not in (etag_of(obj), "*"):
            raise PreconditionFailed()

    def locked_object(self):
        """The record as the caller may see it, row-locked for the rest of the transaction, after
        the If-Match check: one read, handed to the service, which does not read it again
        (``services.mark_locked``). Lists of the record are not prefetched: the response is read
        afresh after the change (``detail_response``)."""
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        queryset = self.get_queryset().prefetch_related(None).select_for_update(of=("self",))
        obj = get_object_or_404(queryset, **{self.lookup_field: lookup})
        self.check_object_permissions(self.request, obj)
        self.check_if_match(obj)
        return mark_locked(obj)

    read_serializer_class = None

    def detail_response(self, obj, status_code=200):
        """The record (or the record of this id) as the caller sees it now, with its ETag."""
        obj = get_object_or_404(self.get_queryset(), pk=getattr(obj, "pk", obj))
        serializer_class = self.read_serializer_class or self.get_serializer_class()
        data = serializer_class(obj, context=self.get_serializer_context()).data
        response = Response(data, status=status_code)
        response["ETag"] = etag_of(obj)
        return response

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            obj = self.locked_object()
            serializer = self.get_serializer(obj, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            obj = self.perform_service_update(obj, serializer.validated_data)
        return self.detail_response(obj)

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @idempotent()
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            obj = self.perform_service_create(serializer.validated_data)
        return self.detail_response(obj, status_code=201)

    def perform_service_create(self, data):  # pragma: no cover - overridden
        raise NotImplementedError

    def perform_service_update(self, obj, data):  # pragma: no cover - overridden
        raise NotImplementedError


class TransitionSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="The status to move to.")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why, in a few words."
    )
    occurred_at = serializers.DateTimeField(
        required=False, default=None, help_text="When it happened; now if not given."
    )
