"""OpenAPI details drf-spectacular cannot infer: the security schemes and the error bodies."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from npm_tracker.core.api.oauth import SCOPES

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error, as application/problem+json (RFC 9457).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Machine-readable error code."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}
ERRORS = {
    "400": "Invalid input",
    "401": "No or invalid credentials",
    "403": "The credentials lack the scope",
    "404": "Not found, or outside the caller's scope",
    "409": "Not allowed in the current state",
    "412": "Stale If-Match",
    "429": "Rate limit exceeded",
}


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    target_class = "npm_tracker.core.api.auth.ClientCredentialsAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/", "scopes": SCOPES}},
        }


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "npm_tracker.core.api.auth.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}


def add_problem_responses(result, generator, request, public):
    """Every operation documents the problem+json bodies it can answer."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code in ("409", "412") and method == "get":
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Problem"}
                            }
                        },
                    },
                )
    return result
