"""``python manage.py rotate_encryption_keys``: re-encrypt every encrypted value, evidence file and
report file with the first key of FIELD_ENCRYPTION_KEYS, so older keys can then leave the ring.

``--new-key`` prints a fresh key to put first in the ring. Safe to stop and run again: each value
is rewritten in its own short transaction, files atomically; what already uses the current key is
skipped. The audit triggers are bypassed for these rewrites (nothing about the records changes).
"""

import pgtrigger
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Q

from npm_tracker.core import crypto
from npm_tracker.core.actors import SystemActor
from npm_tracker.core.audit import system_context
from npm_tracker.core.storage import EncryptedFileSystemStorage


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value and file with the current (first) key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new key and its ring entry, then stop."
        )
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, new_key=False, batch=500, **options):
        if new_key:
            self.stdout.write(f"k<N>:{crypto.new_key()}")
            return
        current = crypto.keyring().current
        with system_context(SystemActor.command("rotate_encryption_keys")):
            values = sum(self.rotate_model(model, current, batch) for model in self.models())
            files = self.rotate_files(current)
        self.stdout.write(
            self.style.SUCCESS(
                f"Key {current}: {values} values and {files} files re-encrypted; "
                "every other key may now leave the ring."
            )
        )

    def models(self):
        """The models of the confidential columns (``crypto.encrypted_columns``)."""
        return list(dict.fromkeys(model for model, _field in crypto.encrypted_model_fields()))

    def rotate_model(self, model, current, batch) -> int:
        fields = crypto.encrypted_fields(model)
        names = [f.attname for f in fields]
        rotated = 0
        holding = Q()
        for field in fields:
            condition = Q(**{f"{field.attname}__isnull": False})
            if not isinstance(field, crypto.EncryptedDateField):
                condition &= ~Q(**{field.attname: ""})
            holding |= condition
        rows = model._base_manager.filter(holding).order_by("pk").values_list("pk", flat=True)
        for pk in rows.iterator(chunk_size=batch):
            with transaction.atomic(), pgtrigger.ignore(*self.triggers(model)):
                obj = model._base_manager.select_for_update().get(pk=pk)
                changed = []
                for field in fields:
                    value = getattr(obj, field.attname)
                    token = getattr(value, "ciphertext", "")
                    if token and crypto.key_id_of(token) != current:
                        setattr(obj, field.attname, self.plain(value))
                        changed.append(field.attname)
                if changed:
                    obj.save(update_fields=changed)
                    rotated += len(changed)
        if rotated:
            self.stdout.write(f"{model._meta.label}: {rotated} values ({', '.join(names)})")
        return rotated

    @staticmethod
    def plain(value):
        from datetime import date

        if isinstance(value, date):
            return date(value.year, value.month, value.day)
        return str(value)

    @staticmethod
    def triggers(model):
        """The audit triggers of the model: rewriting a ciphertext is not a change of a record."""
        import pghistory.trigger

        return [
            f"{model._meta.label}:{trigger.name}"
            for registered_model, trigger in pgtrigger.registered()
            if registered_model is model and isinstance(trigger, pghistory.trigger.Event)
        ]

    def rotate_files(self, current) -> int:
        count = 0
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                storage = getattr(field, "storage", None)
                if not isinstance(storage, EncryptedFileSystemStorage):
                    continue
                for name in model._base_manager.values_list(field.attname, flat=True):
                    if name and storage.exists(name) and storage.key_id(name) != current:
                        storage.reencrypt(name)
                        count += 1
        return count
