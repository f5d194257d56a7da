"""What the published OpenAPI schema says that drf-spectacular cannot infer, each in one place:

- the scopes each operation needs (``security``), read from the declaration the permission
  check itself uses (``permissions.scope_alternatives``);
- a description of each operation for partners: the action's own docstring, or a sentence per
  standard action (list, read, create, replace, change, remove);
- the HTTP mechanics shared by every view: ``If-None-Match`` / ``304`` and ``ETag`` on detail
  reads, ``Link`` on list pages, the problem+json answers each operation can give;
- response objects: every key is required except those a serializer names in
  ``Meta.optional_in_response`` (keys absent for some callers, such as ``victim``);
- codes: ``country`` is an enum, vocabulary codes stay strings (they are data) and say so;
- the ``X-RateLimit-*`` headers of every answer the rate limit counted (a postprocessing hook).

The schema is English: nothing here is translated.
"""

from django.utils import translation
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_basic_type, get_doc
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.negotiation import DefaultContentNegotiation

from npm_tracker.core.api.oauth import SCOPES
from npm_tracker.core.api.permissions import scope_alternatives
from npm_tracker.core.models import COUNTRY_CODES, Country

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error, as application/problem+json (RFC 9457).",
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string", "description": "A short summary of the kind of problem."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong in this request."},
        "code": {"type": "string", "description": "Machine-readable error code."},
        "errors": {
            "type": "object",
            "description": "The messages per field, for invalid input.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
}
ERRORS = {
    "400": "Invalid input or query parameter; `errors` names the fields.",
    "401": "No or invalid credentials (`WWW-Authenticate: Bearer`).",
    "403": "The credentials do not carry the scope this operation needs.",
    "404": "No such record, or one outside the caller's scope (also an unknown page cursor).",
    "406": "The `Accept` header names no media type this operation can answer.",
    "409": "Not allowed in the record's current state, or an Idempotency-Key reused with "
    "another body.",
    "412": "`If-Match` names a version that is no longer current.",
    "413": "The request body is too large.",
    "415": "The request body's media type is not one this operation takes.",
    "429": "Rate limit exceeded; `Retry-After` says when to try again.",
}
SUCCESS = {
    "200": "Success.",
    "201": "Created.",
    "202": "Accepted: the work is queued.",
    "204": "Done; no body.",
}
ACTIONS = {
    "list": "Lists the {plural} the caller may see, newest first, one page at a time: follow "
    "`next` (also given in the `Link` header) until it is null. With `updated_since`, only "
    "those changed since then.",
    "retrieve": "Reads one {singular}. The `ETag` header names this version: send it back in "
    "`If-None-Match` to get `304 Not Modified` (no body) while nothing changed.",
    "create": "Creates one {singular} in the caller's country and answers it as stored, with its "
    "`ETag`.",
    "update": "Replaces the writable fields of one {singular}. With `If-Match`, only while it is "
    "still the version read (`412` otherwise).",
    "partial_update": "Changes the fields sent of one {singular}; the others keep their values. "
    "With `If-Match`, only while it is still the version read (`412` otherwise).",
    "destroy": "Removes one {singular} from use; what it recorded is kept.",
}
WRITES = ("create", "update", "partial_update")
# Fields every resource has, described once.
COMMON_FIELDS = {
    "id": "The record's id.",
    "created_at": "When the record was created.",
    "updated_at": "When the record last changed (what `updated_since` compares).",
}
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag of the version the caller holds: while it is current, the answer is "
    "`304 Not Modified` with no body.",
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=["200", "201", "304"],
    required=True,
    description="The version of the record, for `If-None-Match` and `If-Match`.",
)
LINK = OpenApiParameter(
    "Link",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=["200"],
    description='The next and previous pages (RFC 8288): `<url>; rel="next", <url>; '
    'rel="prev"`; absent on a single page.',
)


def nullable(openapi_type) -> dict:
    """The schema of a value of ``openapi_type`` or null, for ``extend_schema_field`` on a
    method field (a hint such as ``-> str | None`` cannot say the string is a date)."""
    schema = build_basic_type(openapi_type)
    assert schema is not None, openapi_type
    return {**schema, "nullable": True}


class ApiAutoSchema(AutoSchema):
    def get_description(self):
        action = getattr(self.view, "action", None) or self.method.lower()
        own = get_doc(getattr(self.view, action, None))
        if own:
            return own
        model = _model_of(self.view)
        if action not in ACTIONS or model is None:
            return ""
        with translation.override("en"):
            names = {
                "singular": str(model._meta.verbose_name),
                "plural": str(model._meta.verbose_name_plural),
            }
        return ACTIONS[action].format(**names)

    def get_override_parameters(self):
        from npm_tracker.core.api.base import DomainViewSet  # base.py is built with this class

        parameters = list(super().get_override_parameters())
        if self._is_conditional_read():
            parameters += [IF_NONE_MATCH, ETAG]
        elif isinstance(self.view, DomainViewSet) and self.view.action in WRITES:
            parameters.append(ETAG)
        if self._is_paginated_list():
            parameters.append(LINK)
        return parameters

    def _get_parameters(self):
        """What the server refuses, the schema says: an empty filter value (``?source=``) is
        refused, so a free string parameter has ``minLength: 1``, and it holds no NUL character
        (Django refuses it); ``limit`` starts at 1."""
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if parameter["in"] != "query":
                continue
            if parameter["name"] == "limit":
                schema["minimum"] = 1
            elif schema.get("type") == "string" and "enum" not in schema:
                schema.setdefault("minLength", 1)
                if "format" not in schema:
                    schema.setdefault("pattern", "^[^\\x00]+$")
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in responses.items():
            if not response.get("description"):
                response["description"] = SUCCESS.get(code, "")
        if self._is_conditional_read():
            not_modified = self._get_response_for_code(None, "304", direction=direction)
            not_modified["description"] = "The version named in `If-None-Match` is current."
            responses["304"] = not_modified
        problem = self._problem_ref()
        for code in self._problem_codes():
            responses.setdefault(
                code, {"description": ERRORS[code], "content": {PROBLEM: {"schema": problem}}}
            )
        return dict(sorted(responses.items()))

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        for name, description in COMMON_FIELDS.items():
            if name in schema.get("properties", {}):
                schema["properties"][name].setdefault("description", description)
        if direction == "response":
            optional = set(getattr(getattr(serializer, "Meta", None), "optional_in_response", ()))
            required = [name for name in schema.get("properties", {}) if name not in optional]
            schema.pop("required", None)
            if required:
                schema["required"] = required
        return schema

    def _is_conditional_read(self) -> bool:
        from npm_tracker.core.api.base import ConditionalRetrieveMixin

        return (
            isinstance(self.view, ConditionalRetrieveMixin)
            and getattr(self.view, "action", None) == "retrieve"
        )

    def _is_paginated_list(self) -> bool:
        return (
            self.method == "GET"
            and getattr(self.view, "action", None) == "list"
            and self._get_paginator() is not None
        )

    def _problem_ref(self):
        component = ResolvedComponent(
            name="Problem", type=ResolvedComponent.SCHEMA, object="Problem", schema=PROBLEM_SCHEMA
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _problem_codes(self) -> list[str]:
        """The problems this operation can answer, beyond what every operation can (401, 403,
        429): each from the mechanism that raises it."""
        takes_body = self.method in ("POST", "PUT", "PATCH")
        parameters = self._get_parameters()
        codes = ["401", "403", "429"]
        if takes_body or any(p["in"] == "query" for p in parameters):
            codes.append("400")
        replays = any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters)
        # A replayed Idempotency-Key whose record is gone (a deleted webhook) answers 404.
        if "{" in self.path or self._is_paginated_list() or replays:
            codes.append("404")
        if not _answers_any_media_type(self.view):
            codes.append("406")
        if takes_body:
            codes += ["409", "413", "415"]
        if any(p["in"] == "header" and p["name"] == "If-Match" for p in parameters):
            codes.append("412")
        action = getattr(self.view, getattr(self.view, "action", None) or "", None)
        codes += [code for code in getattr(action, "problem_codes", ()) if code not in codes]
        return codes


def answers(*codes: str):
    """Declare problems an action answers beyond those its mechanisms imply (e.g. ``409`` of a
    download whose file is not ready)."""

    def mark(function):
        function.problem_codes = codes
        return function

    return mark


def _model_of(view):
    queryset = getattr(view, "queryset", None)
    if queryset is None:
        try:
            queryset = view.get_queryset()
        except (AttributeError, AssertionError, NotImplementedError):
            return None
    return queryset.model


def _answers_any_media_type(view) -> bool:
    """DRF's negotiation answers 406 to an ``Accept`` header it cannot render; a view serving a
    file whatever that header says has a negotiation of its own."""
    negotiation = getattr(view, "content_negotiation_class", DefaultContentNegotiation)
    return not issubclass(negotiation, DefaultContentNegotiation)


class ClientCredentialsScheme(OpenApiAuthenticationExtension):
    target_class = "npm_tracker.core.api.auth.ClientCredentialsAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema):
        return {
            "type": "oauth2",
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/", "scopes": SCOPES}},
        }

    def get_security_requirement(self, auto_schema):
        """One requirement per set of scopes that suffices, as ``HasScope`` checks it."""
        view = auto_schema.view
        alternatives = scope_alternatives(view, getattr(view, "action", None), auto_schema.method)
        return [{self.name: sorted(scopes)} for scopes in alternatives]


class StaffSessionScheme(OpenApiAuthenticationExtension):
    target_class = "npm_tracker.core.api.auth.StaffSessionAuthentication"
    name = "staffSession"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A staff member's admin session, after two-factor login; what it may "
            "do follows the member's role.",
        }


class CodeFieldSchema(OpenApiSerializerFieldExtension):
    """A record named by its code: a country is one of the fixed codes; a vocabulary item's code
    is data (a string, listed by ``GET /api/v1/vocabularies/{name}/``)."""

    target_class = "npm_tracker.core.api.base.CodeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        if field.model is Country:
            schema["enum"] = list(COUNTRY_CODES)
            schema.setdefault("description", "The country: `KZ` or `KG`.")
        else:
            with translation.override("en"):
                name = str(field.model._meta.verbose_name)
            schema.setdefault(
                "description",
                f"The code of the {name}, as listed by `GET /api/v1/vocabularies/`.",
            )
        return schema


class ScopedPrimaryKeySchema(OpenApiSerializerFieldExtension):
    """A record named by its id (a UUID), among those the caller may see."""

    target_class = "npm_tracker.core.api.base.ScopedPrimaryKeyField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
        schema["format"] = "uuid"
        with translation.override("en"):
            name = str(field.model._meta.verbose_name)
        schema.setdefault("description", f"The id of the {name}.")
        return schema


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
