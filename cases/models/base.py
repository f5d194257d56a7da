"""What every record that is evidence shares: nothing deletes it, neither the ORM nor SQL."""

import pgtrigger
from django.db import models

from npm_tracker.core.errors import NotDeletable

no_delete = pgtrigger.Protect(name="protect_delete", operation=pgtrigger.Delete)


class Evidence_(models.Model):
    """Records that are evidence refuse deletion before it reaches the database."""

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise NotDeletable(self._meta.verbose_name)
