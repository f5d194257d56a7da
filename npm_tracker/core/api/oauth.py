"""OAuth2 client credentials for partner systems (django-oauth-toolkit).

A token can carry only scopes its client holds; without ``scope`` it gets all of them. A revoked
client cannot obtain tokens and its tokens stop working.
"""

import hashlib

from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator

from npm_tracker.core.models import ApiClient

SCOPES = {
    "read": "Read the non-confidential data of the client's country",
    "write": "Create and change records of the client's country",
    "confidential": "Also identity, perpetrator names, medical fields and evidence",
    "complaints": "Submit complaints",
    "reports": "Request and download reports",
    "prosecutor": "A prosecutor's office: its referrals and their events",
}
# Scopes of a client bound to an organisation: such a client reaches only the actions a view
# opens to it (``prosecutor_actions``), whatever else it holds.
BOUND_SCOPES = frozenset({"prosecutor"})


def _client_scopes(application) -> frozenset:
    api_client = getattr(application, "api_client", None)
    if api_client is None or not api_client.is_active:
        return frozenset()
    return api_client.scope_set


class ClientScopesValidator(OAuth2Validator):
    def authenticate_client(self, request, *args, **kwargs):
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        return bool(_client_scopes(request.client))

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return set(scopes) <= _client_scopes(client)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        return sorted(_client_scopes(request.client))

    def _load_access_token(self, token):
        # As the library reads the token, with the client's API record joined: one query per
        # request instead of two (ClientCredentialsAuthentication reads application.api_client).
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        bound = [f"application__api_client__{name}" for name in ApiClient.bindings]
        return (
            AccessToken.objects.select_related("application__api_client", "user", *bound)
            .filter(token_checksum=checksum)
            .first()
        )
