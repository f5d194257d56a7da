"""OpenAPI details drf-spectacular cannot infer: the security schemes, the error bodies and the
rate-limit headers."""

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


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed to this caller per window (one minute).",
    "X-RateLimit-Remaining": "Requests left in the current window; 0 on a 429.",
    "X-RateLimit-Reset": "Seconds until the whole limit is available again.",
}
RETRY_AFTER = "Seconds to wait before the next request is accepted."
# Refused before the rate limit counts the request: no rate-limit headers.
UNCOUNTED = ("401", "403")


def add_rate_limit_headers(result, generator, request, public):
    """Every answer to an authenticated caller carries its rate-limit headers, and a 429 also
    ``Retry-After``: declared once as header components, referenced by every response."""
    headers = result.setdefault("components", {}).setdefault("headers", {})
    for name, description in {**RATE_LIMIT_HEADERS, "Retry-After": RETRY_AFTER}.items():
        headers[name] = {"description": description, "schema": {"type": "integer"}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            for code, response in operation.get("responses", {}).items():
                if code in UNCOUNTED:
                    continue
                names = [*RATE_LIMIT_HEADERS, *(["Retry-After"] if code == "429" else [])]
                declared = response.setdefault("headers", {})
                for name in names:
                    declared.setdefault(name, {"$ref": f"#/components/headers/{name}"})
    return result
