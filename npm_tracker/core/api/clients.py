"""Creating, revoking and rotating API clients (the management commands call these)."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from npm_tracker.core.api.oauth import BOUND_SCOPES, SCOPES
from npm_tracker.core.models import ApiClient, Country
from npm_tracker.core.services import validated_save


@transaction.atomic
def api_client_create(*, name: str, country_code: str, scopes, bound: bool = False):
    """Register a partner system; returns ``(client, plaintext_secret)``. The secret is stored
    hashed and shown only now.

    A client bound to an organisation (``BOUND_SCOPES``) is made by the app that binds it, inside
    the same transaction, with ``bound=True``; nobody else may hand out those scopes.
    """
    wanted = set(scopes.split()) if isinstance(scopes, str) else set(scopes)
    unknown = wanted - set(SCOPES)
    if unknown or not wanted:
        raise ValidationError({"scopes": f"Unknown or missing scopes: {' '.join(sorted(unknown))}"})
    if bound and wanted - BOUND_SCOPES:
        raise ValidationError({"scopes": "A bound client holds only its organisation's scope."})
    if not bound and wanted & BOUND_SCOPES:
        raise ValidationError({"scopes": "The prosecutor scope needs --prosecutor-office."})
    country = Country.objects.filter(code=country_code).first()
    if country is None:
        raise ValidationError({"country": "Unknown country code."})
    secret = secrets.token_urlsafe(40)
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = validated_save(
        ApiClient(
            application=application,
            name=name,
            country=country,
            scopes=" ".join(sorted(wanted)),
        )
    )
    return client, secret


def _client(client_id) -> ApiClient:
    client = (
        ApiClient.objects.select_related("application")
        .filter(application__client_id=client_id)
        .first()
    )
    if client is None:
        raise ValidationError({"client_id": "No such client."})
    return client


@transaction.atomic
def api_client_revoke(*, client_id) -> ApiClient:
    """Stop a client: no new tokens, and its tokens stop working at once."""
    client = _client(client_id)
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at"])
    AccessToken.objects.filter(application=client.application).delete()
    return client


@transaction.atomic
def api_client_rotate_secret(*, client_id) -> tuple[ApiClient, str]:
    """Give a client a new secret (the old one stops working) and end its tokens."""
    client = _client(client_id)
    secret = secrets.token_urlsafe(40)
    application = client.application
    application.client_secret = secret
    application.hash_client_secret = True
    application.save()
    AccessToken.objects.filter(application=application).delete()
    return client, secret
