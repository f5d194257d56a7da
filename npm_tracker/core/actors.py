"""Who does a write: the ``actor`` every service takes.

A staff ``User``; a principal that is not a user but names itself for the audit trail (an API
client, see ``npm_tracker.core.api.auth.ClientPrincipal``); a ``SystemActor`` for Celery tasks,
schedules and management commands; or ``None`` when nobody can be named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Principal(Protocol):
    """Anything that is not a user but names itself in the audit trail (an API client)."""

    @property
    def audit_label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SystemActor:
    """A process acting on its own account, e.g. ``SystemActor("task:reports.render")``."""

    label: str

    @classmethod
    def task(cls, name: str) -> SystemActor:
        """A Celery task, by its registered name."""
        return cls(f"task:{name}")

    @classmethod
    def command(cls, name: str) -> SystemActor:
        """A management command, by its name."""
        return cls(f"command:{name}")

    @property
    def audit_label(self) -> str:
        return self.label

    def __str__(self) -> str:
        return self.label


Actor: TypeAlias = "User | Principal | SystemActor | None"
