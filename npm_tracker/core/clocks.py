"""Legal clocks as the apps see them, whichever app keeps them.

The clocks (``DeadlineRule``, ``Deadline``) live in the cases app, because most of them run on
allegations and referrals; recommendations and periodic visits, which are the facilities app's,
run on them too. The facilities app cannot import the cases app, so it starts, meets and reads
clocks through this port, and the cases app registers the keeper from its ``AppConfig.ready()``.
The calls are plain function calls inside the caller's transaction, never signals.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class ClockKeeper(Protocol):
    def start(self, *, clock: str, country: Any, started_at: datetime, **subject: Any) -> Any:
        """Start ``clock`` for the record named in ``subject`` under the rule in force."""

    def meet(self, *, clocks: Sequence[str], met_at: datetime, met_by: str, **subject: Any) -> list:
        """Mark the open ``clocks`` of the record named in ``subject`` as met."""

    def rules(self, clock: str) -> Iterable[Any]:
        """Every rule of ``clock`` (each with ``country_id``, ``effective_from``,
        ``effective_to``, ``duration``, ``unit``, ``legal_source``), with its country."""


_keeper: ClockKeeper | None = None


def register_keeper(keeper: ClockKeeper) -> None:
    global _keeper
    _keeper = keeper


def keeper() -> ClockKeeper:
    if _keeper is None:
        raise ImproperlyConfigured("No app keeps the legal clocks (the cases app registers it).")
    return _keeper
