"""``GET /api/v1/signing-keys/``: the public keys that sign the evidence bundles, current and
past, for any caller with a valid token (CONTRACT.md, "Evidence bundle for the prosecutor")."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from npm_tracker.core import signing
from npm_tracker.core.api.oauth import SCOPES
from npm_tracker.core.models import SigningKey

KEY = inline_serializer(
    "SigningKey",
    {
        "key_id": serializers.CharField(help_text="The id a bundle's manifest names."),
        "algorithm": serializers.ChoiceField(choices=["ed25519"], help_text="Always ed25519."),
        "public_key_pem": serializers.CharField(help_text="The public key, PEM (SPKI)."),
        "valid_from": serializers.DateTimeField(help_text="When the key began to sign."),
        "valid_to": serializers.DateTimeField(
            allow_null=True, help_text="When it stopped; null for the current key."
        ),
    },
)


class SigningKeysView(APIView):
    scopes_any_of = tuple(sorted(SCOPES))

    @extend_schema(operation_id="signing_keys_list", responses=KEY.__class__(many=True))
    def get(self, request):
        """Every key that has signed bundles, the current one first; a bundle signed by a key
        since rotated still verifies with the key listed here."""
        signing.current()
        keys = SigningKey.objects.order_by("-valid_from")
        return Response(
            [
                {
                    "key_id": key.key_id,
                    "algorithm": key.algorithm,
                    "public_key_pem": key.public_key_pem,
                    "valid_from": key.valid_from,
                    "valid_to": key.valid_to,
                }
                for key in keys
            ]
        )
