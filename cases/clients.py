"""API clients that speak for a prosecutor's office (the ``create_api_client`` command)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.models import ProsecutorClient, ProsecutorOffice
from npm_tracker.core.api.clients import api_client_create
from npm_tracker.core.models import ApiClient
from npm_tracker.core.services import validated_save


@transaction.atomic
def prosecutor_client_create(
    *, name: str, country_code: str, office_code: str
) -> tuple[ApiClient, str]:
    """Register a prosecutor's office's system: it holds only the ``prosecutor`` scope and sees
    the referrals addressed to that office. Returns ``(client, plaintext_secret)``."""
    office = ProsecutorOffice.objects.filter(code=office_code).first()
    if office is None:
        raise ValidationError({"prosecutor_office": "Unknown prosecutor's office code."})
    client, secret = api_client_create(
        name=name, country_code=country_code, scopes={"prosecutor"}, bound=True
    )
    if office.country_id != client.country_id:
        raise ValidationError({"prosecutor_office": "This office belongs to another country."})
    validated_save(ProsecutorClient(api_client=client, office=office))
    return client, secret
