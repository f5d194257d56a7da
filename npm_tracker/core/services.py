"""Write helpers every app's services build on.

Every write of the domain goes through a service of its app; those services use the helpers here
so that validation, locking and (later) the audit context are the same for the admin, the API,
Celery tasks and the seed commands.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction

from npm_tracker.core.actors import Actor, Principal, SystemActor

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "Actor",
    "Principal",
    "SystemActor",
    "actor_fields",
    "assign",
    "lock",
    "next_in_sequence",
    "staff_user",
    "validated_save",
]


M = TypeVar("M", bound=models.Model)

# Set on a record read with its row lock (``mark_locked``); valid in the transaction that read it.
LOCKED = "_npm_locked"


def mark_locked(instance: M) -> M:
    """Say that ``instance`` was just read with ``SELECT ... FOR UPDATE`` in the open transaction,
    so the services it is handed to do not read and lock it again."""
    setattr(instance, LOCKED, True)
    return instance


def _holds_lock(instance: models.Model) -> bool:
    return bool(getattr(instance, LOCKED, False)) and connection.in_atomic_block


def lock(instance: models.Model) -> None:
    """Take the row lock of a stored record until the end of the caller's transaction (nothing
    to do when the caller read it locked)."""
    if instance.pk is not None and not instance._state.adding and not _holds_lock(instance):
        type(instance)._base_manager.select_for_update().filter(pk=instance.pk).exists()


def locked_row(queryset: "models.QuerySet[M]", instance: M) -> M:
    """The record of ``instance``, row-locked for the rest of the transaction: the instance
    itself when the caller read it locked, else read again from ``queryset`` (which says what
    to join) with its lock."""
    if _holds_lock(instance):
        return instance
    return mark_locked(queryset.select_for_update(of=("self",)).get(pk=instance.pk))


def validated_save(instance: models.Model, *, update_fields: Iterable[str] | None = None):
    """Validate the instance completely (fields, ``clean()``, constraints) and save it.

    Raises ``ValidationError`` and writes nothing when anything is wrong. Callers hold the
    transaction; this only guarantees that nothing unvalidated reaches the database.
    """
    instance.full_clean()
    instance.save(update_fields=list(update_fields) if update_fields is not None else None)
    return instance


def assign(instance: models.Model, fields: dict) -> list[str]:
    """Set editable model fields from ``fields``; refuse unknown or read-only names.

    Status and other fields changed only by their own service are not editable, so an update
    can never move a record through its lifecycle by the back door.
    """
    editable = {
        f.name: f
        for f in instance._meta.get_fields()
        if isinstance(f, models.Field)
        and getattr(f, "editable", False)
        and not f.many_to_many
        and not f.one_to_many
    }
    changed = []
    for name, value in fields.items():
        field = editable.get(name) or editable.get(name.removesuffix("_id"))
        if field is None:
            raise ValidationError({name: ValidationError("This field cannot be changed here.")})
        setattr(instance, name, value)
        changed.append(field.attname)
    return changed


@transaction.atomic(savepoint=False)
def next_in_sequence(scope: str) -> int:
    """Hand out the next number of a scope (for example ``allegation:KZ:2026``).

    One upsert statement, so two transactions asking at once get different numbers; the row stays
    locked until the caller's transaction ends, so numbers are not skipped on rollback. Inside a
    transaction it takes no savepoint: a failed statement aborts the transaction in PostgreSQL
    anyway, and the savepoint cost two more round trips on every new record.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO npm_tracker_referencesequence (scope, last_value) VALUES (%s, 1)
            ON CONFLICT (scope) DO UPDATE
                SET last_value = npm_tracker_referencesequence.last_value + 1
            RETURNING last_value
            """,
            [scope],
        )
        return cursor.fetchone()[0]


def staff_user(actor: "Actor | str") -> "User | None":
    """The actor when it is a logged-in staff user (for ``created_by`` and similar), else None."""
    from django.contrib.auth import get_user_model

    if isinstance(actor, get_user_model()) and actor.is_authenticated:
        return actor
    return None


def actor_fields(actor: "Actor | str") -> dict:
    """Who did it, for an event row: a staff user, or the label of a system actor (an API
    client, a Celery task, a management command). A bare string is taken as the label itself."""
    user = staff_user(actor)
    if user is not None:
        return {"actor": user, "actor_label": ""}
    if actor is None:
        return {"actor": None, "actor_label": ""}
    return {"actor": None, "actor_label": str(getattr(actor, "audit_label", actor))}
