"""The core's models and the abstract bases of every app's models."""

from npm_tracker.core.models.access import AccessChannel, AccessLog
from npm_tracker.core.models.api import (
    ApiClient,
    IdempotencyKey,
    Webhook,
    WebhookDelivery,
    register_binding,
)
from npm_tracker.core.models.base import (
    APPEND_ONLY,
    NAME_FALLBACK,
    ClockedMixin,
    DomainModel,
    LifecycleEvent,
    TranslatedName,
    Vocabulary,
    VocabularyQuerySet,
    prefetch_list,
    related,
    translated,
)
from npm_tracker.core.models.integrity import IntegrityLink
from npm_tracker.core.models.outbox import JobStatus, OutboxJob
from npm_tracker.core.models.signing import SigningKey
from npm_tracker.core.models.staff import (
    COUNTRY_CODES,
    Country,
    DayKind,
    DayTransfer,
    ReferenceSequence,
    StaffProfile,
)

__all__ = [
    "APPEND_ONLY",
    "COUNTRY_CODES",
    "NAME_FALLBACK",
    "AccessChannel",
    "AccessLog",
    "ApiClient",
    "ClockedMixin",
    "Country",
    "DayKind",
    "DayTransfer",
    "DomainModel",
    "IdempotencyKey",
    "IntegrityLink",
    "JobStatus",
    "LifecycleEvent",
    "OutboxJob",
    "ReferenceSequence",
    "SigningKey",
    "StaffProfile",
    "TranslatedName",
    "Vocabulary",
    "VocabularyQuerySet",
    "Webhook",
    "WebhookDelivery",
    "prefetch_list",
    "register_binding",
    "related",
    "translated",
]
