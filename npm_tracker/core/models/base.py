"""Abstract bases every app's models build on: UUID records, translated names, vocabularies,
lifecycle events and legal clocks, and the helpers that read prefetched lists."""

import uuid
from datetime import date

import pgtrigger
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from npm_tracker.core.scoping import ScopedQuerySet

# Order in which a translated name falls back when the active language has none.
NAME_FALLBACK = ("ru", "en")


def translated(obj, prefix: str, language: str | None = None) -> str:
    """The value of ``<prefix>_<lang>`` in the active language, falling back to Russian, English."""
    language = (language or translation.get_language() or "en").split("-")[0]
    for code in (language, *NAME_FALLBACK):
        value = getattr(obj, f"{prefix}_{code}", "")
        if value:
            return value
    return ""


class DomainModel(models.Model):
    """A record of the domain: UUID primary key (exposed by the API) and timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        """Django's validation; a ``clean()`` that reads through a foreign key naming no record
        ends in the field's own error, not in an exception."""
        try:
            super().full_clean(
                exclude=exclude,
                validate_unique=validate_unique,
                validate_constraints=validate_constraints,
            )
        except ObjectDoesNotExist:
            errors: dict = {}
            for field in self._meta.concrete_fields:
                value = getattr(self, field.attname)
                if field.is_relation and value is not None:
                    try:
                        field.validate(value, self)
                    except ValidationError as error:
                        errors[field.name] = error.messages
            if not errors:
                raise
            raise ValidationError(errors) from None

    def clean_fields(self, exclude=None):
        """Field validation without the lookups that cannot fail: a foreign key set from a
        record that was read from the database exists (its constraint still guards the write).
        Saves one query per foreign key on every validated write."""
        exclude = set(exclude or ())
        for field in self._meta.concrete_fields:
            if (
                (field.many_to_one or field.one_to_one)
                and field.name not in exclude
                and not field.remote_field.limit_choices_to
                and not field.validators
                and field.is_cached(self)
            ):
                related = field.get_cached_value(self)
                if (
                    related is not None
                    and not related._state.adding
                    and getattr(related, field.target_field.attname) == getattr(self, field.attname)
                ):
                    exclude.add(field.name)
        super().clean_fields(exclude=exclude)

    def validate_unique(self, exclude=None):
        """Unique checks without the one on a new record's primary key: a random UUID, which
        the primary-key constraint guards anyway."""
        if self._state.adding:
            exclude = {*(exclude or ()), self._meta.pk.name}
        super().validate_unique(exclude=exclude)


class TranslatedName(models.Model):
    """A name kept in the four languages of the product; ``name`` picks the active one."""

    name_en = models.CharField(_("name (English)"), max_length=255)
    name_ru = models.CharField(_("name (Russian)"), max_length=255, blank=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=255, blank=True)
    name_ky = models.CharField(_("name (Kyrgyz)"), max_length=255, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    @admin.display(description=_("name"))
    def name(self) -> str:
        return translated(self, "name")


class VocabularyQuerySet(ScopedQuerySet):
    """Queries over a controlled vocabulary."""

    def valid_on(self, day: date):
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )

    def for_country(self, country):
        """Items of this country plus the ones shared by both countries."""
        return self.filter(Q(country__isnull=True) | Q(country=country))


class Vocabulary(TranslatedName):
    """A controlled vocabulary item: stable code, translated name, optional country and validity.

    Codes are what the API and the seed files speak; they never change once published.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    country = models.ForeignKey(
        "npm_tracker.Country",
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the item is shared by both countries."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VocabularyQuerySet.as_manager()
    shared_when_country_is_null = True

    class Meta:
        abstract = True
        ordering = ("sort_order", "code")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="%(app_label)s_%(class)s_valid_range",
                violation_error_message=_("The end of validity cannot be before its start."),
            )
        ]
        indexes = [models.Index(fields=("sort_order", "code"), name="%(app_label)s_%(class)s_ord")]

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


# Event rows are never rewritten nor removed, whatever writes them.
APPEND_ONLY = pgtrigger.Protect(name="append_only", operation=pgtrigger.Delete | pgtrigger.Update)


class LifecycleEvent(models.Model):
    """A step in a record's lifecycle, written by its transition service. Append-only.

    ``actor`` is the staff user; ``actor_label`` names any other actor (an API client, a Celery
    task, a management command) so that every event says who moved the record.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("step"), max_length=32)
    from_status = models.CharField(_("from status"), max_length=32)
    to_status = models.CharField(_("to status"), max_length=32)
    occurred_at = models.DateTimeField(_("occurred at"))
    note = models.TextField(_("note"), blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("recorded by (system)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ("occurred_at", "created_at")

    def __str__(self) -> str:
        return f"{self.kind} · {self.occurred_at:%Y-%m-%d}"

    @property
    @admin.display(description=_("recorded by"))
    def recorded_by(self) -> str:
        actor = self.actor if self.actor_id else None
        if actor is not None:
            return actor.get_full_name() or actor.get_username()
        return self.actor_label


def _list_of(relation: str) -> str:
    """Where ``prefetch_list`` puts the records of ``relation``."""
    return f"{relation}_list"


def prefetch_list(lookup: str, queryset=None) -> Prefetch:
    """Prefetch ``lookup`` into a plain list, read by ``related``. Django otherwise builds a
    queryset for every record to hold its share, which on a page of 100 costs more than the
    query itself."""
    return Prefetch(lookup, queryset=queryset, to_attr=_list_of(lookup.rsplit("__", 1)[-1]))


def related(instance, name: str):
    """The records of the relation ``name`` of ``instance``: the list ``prefetch_list`` left,
    or a query when there is none."""
    prefetched = instance.__dict__.get(_list_of(name))
    return prefetched if prefetched is not None else getattr(instance, name).all()


class ClockedMixin:
    """``due_at`` / ``overdue`` of a record with legal clocks (``deadlines``), computed when read.

    Reads the deadlines through ``related`` so that a prefetch serves a whole list.
    """

    @property
    def open_deadlines(self) -> list:
        open_ = (d for d in related(self, "deadlines") if d.met_at is None)
        return sorted(open_, key=lambda d: d.due_at)

    @property
    def due_at(self):
        open_ = self.open_deadlines
        return open_[0].due_at if open_ else None

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.open_deadlines)
