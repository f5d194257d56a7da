"""Every error under /api/ is ``application/problem+json`` with the contract's machine codes.

One handler maps DRF's exceptions, Django's ``ValidationError`` and the domain's coded errors;
the Django-level handlers below keep HTML error pages away from /api/ (unknown paths, oversize
bodies, server errors).
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from npm_tracker.core.errors import ErrorCode, is_conflict, known_codes

PROBLEM = "application/problem+json"
TITLES = {
    400: _("Bad request"),
    401: _("Not authenticated"),
    403: _("Forbidden"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("Precondition failed"),
    413: _("Request too large"),
    415: _("Unsupported media type"),
    429: _("Too many requests"),
    500: _("Server error"),
}
DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record changed since you read it (ETag does not match If-Match).")
    default_code = "precondition_failed"


def problem_body(status_code: int, *, code=None, detail="", errors=None) -> dict:
    body = {
        "type": f"urn:npm-tracker:problem:{code or DEFAULT_CODES.get(status_code, 'error')}",
        "title": str(TITLES.get(status_code, "")),
        "status": status_code,
        "detail": str(detail or TITLES.get(status_code, "")),
        "code": str(code or DEFAULT_CODES.get(status_code, "error")),
    }
    if errors:
        body["errors"] = errors
    return body


def problem(status_code: int, *, code=None, detail="", errors=None, headers=None) -> Response:
    body = problem_body(status_code, code=code, detail=detail, errors=errors)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM)


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()
        }
    return {}


def _coded(messages, generic) -> tuple[str, str]:
    """``(code, message)`` of the first message with a specific code (one not in ``generic``),
    else of the first message: code and detail of a problem always describe the same error."""
    first = next(iter(messages), None)
    chosen = next((m for m in messages if m[0] and m[0] not in generic), first)
    return chosen if chosen is not None else ("", "")


def _django_validation(exc: DjangoValidationError):
    code = getattr(exc, "domain_code", None)
    errors = None
    if hasattr(exc, "error_dict"):
        errors = {
            (k if k != "__all__" else "non_field_errors"): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
        messages = [(e.code, m) for v in exc.error_dict.values() for e in v for m in e.messages]
    else:
        messages = [(e.code, m) for e in exc.error_list for m in e.messages]
    generic = {str(ErrorCode.INVALID)} | ({str(c) for c, _m in messages} - known_codes())
    found, detail = _coded(messages, generic)
    if code is None:
        code = found if found and found not in generic else ErrorCode.INVALID
    if errors is None:
        detail = " ".join(exc.messages)
    status_code = 409 if is_conflict(code) else 400
    return problem(status_code, code=str(code), detail=detail, errors=errors)


def _leaves(detail):
    """The ``(code, message)`` of each message of a DRF error detail, nested ones included."""
    if isinstance(detail, dict):
        for value in detail.values():
            yield from _leaves(value)
    elif isinstance(detail, list):
        for value in detail:
            yield from _leaves(value)
    else:
        yield getattr(detail, "code", None) or "", str(detail)


def _unsupported(context) -> str:
    view = context.get("view")
    request = context.get("request")
    parsers = view.get_parsers() if view is not None else []
    accepted = ", ".join(parser.media_type for parser in parsers) or "application/json"
    sent = (request.content_type if request is not None else "") or "-"
    return _("This endpoint does not take a %(sent)s body; send %(accepted)s.") % {
        "sent": sent.split(";", 1)[0].strip(),
        "accepted": accepted,
    }


def problem_exception_handler(exc, context):
    # Errors are JSON whatever the client asked for: never the browsable HTML page.
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = PROBLEM
    if isinstance(exc, DjangoValidationError):
        return _django_validation(exc)
    if isinstance(exc, DataError):
        # A value PostgreSQL cannot hold (out-of-range date or offset, number too large): the
        # input was bad, the transaction is rolled back, nothing was written.
        return problem(400, code="invalid", detail=str(_("A value is out of the allowed range.")))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return problem(404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After")}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return problem(415, code="unsupported_media_type", detail=_unsupported(context))
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        code, detail = _coded(list(_leaves(exc.detail)), {"invalid"})
        return problem(400, code=code or "invalid", detail=detail, errors=errors or None)
    detail = exc.detail if isinstance(getattr(exc, "detail", None), str) else ""
    code = getattr(exc, "default_code", None) if not detail else None
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    if isinstance(codes, str):
        code = codes
    if response.status_code == 401:
        code = "not_authenticated"
    return problem(response.status_code, code=code, detail=detail, headers=headers)


def _api_path(request) -> bool:
    return request.path.startswith("/api/")


def _json_problem(status_code, code=None, detail=""):
    body = problem_body(status_code, code=code, detail=detail)
    return JsonResponse(body, status=status_code, content_type=PROBLEM)


def handler404(request, exception=None):
    if _api_path(request):
        return _json_problem(404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request, exception=None):
    if _api_path(request):
        too_big = exception is not None and "RequestDataTooBig" in type(exception).__name__
        return _json_problem(413 if too_big else 400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler500(request):
    if _api_path(request):
        return _json_problem(500)
    from django.views.defaults import server_error

    return server_error(request)
