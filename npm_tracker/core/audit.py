"""The append-only audit trail (django-pghistory): every insert, update and delete of a domain
table is recorded by a database trigger, with who (staff user, API client, task, command), when
and from which request. History tables refuse UPDATE and DELETE (``PGHISTORY_APPEND_ONLY``).

Confidential fields (identity, perpetrator names, medical findings) are left out of the snapshots:
a separate event records *that* they changed, never their values, so no personal data sits in
tables that can never be rewritten, and re-encrypting them never has to touch history.
"""

from contextlib import contextmanager

import pghistory

from npm_tracker.core.actors import SystemActor


def track(model, *, confidential=(), app_label=None, model_name=None, meta=None):
    """Record the history of ``model``; ``confidential`` fields only as "changed".

    An automatic many-to-many table (``Model.field.through``) is recorded as rows added and
    removed, keyed by the two records it links.
    """
    name = model_name or f"{model.__name__}History"
    link_table = model._meta.auto_created
    pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(confidential),
        obj_field=None if link_table else pghistory.ObjForeignKey(related_name="history"),
        model_name=name,
        app_label=app_label,
        meta=meta,
    )(model)
    # What the core reads of a model's confidential fields (exports, history display).
    model.confidential_fields = tuple(confidential)
    if confidential:
        pghistory.track(
            pghistory.UpdateEvent(
                "confidential_changed", condition=pghistory.AnyChange(*confidential)
            ),
            fields=[],
            obj_field=pghistory.ObjForeignKey(related_name="confidential_history"),
            model_name=f"{name}Confidential",
            app_label=app_label,
        )(model)
    return model


@contextmanager
def system_context(actor: SystemActor, **extra):
    """Attribute the writes inside to a system actor (``SystemActor.task(name)``,
    ``SystemActor.command(name)``)."""
    with pghistory.context(actor=actor.audit_label, **extra):
        yield
