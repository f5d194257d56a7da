"""``Idempotency-Key`` on every POST that creates something (CONTRACT.md).

A view method decorated with ``idempotent`` runs once per caller and key (``idempotency.once``):
the same key and body answer the first status again, with ``Idempotent-Replayed: true``, and
create nothing; another body (or another route) under the same key answers 409
``idempotency_conflict``; two at once produce one result. Without the header the method runs as
it always did (the header is required only where the contract says so: complaints).

What is remembered is the status and the id of the record answered, never its representation:
a replay shows the record as the caller may see it now (so no name or file name is ever copied
into the key table, and a replay that shows a person's identity is logged like any read).
"""

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from npm_tracker.core import idempotency
from npm_tracker.core.api.auth import caller_label

REPLAYED = "Idempotent-Replayed"
_KEY_TEXT = (
    "Makes the request safe to retry: the same key with the same body answers the first "
    "result again (with `Idempotent-Replayed: true`) and creates nothing; with another body, "
    "409 `idempotency_conflict`. At most 200 characters; keys are per client."
)
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 200}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    KEY_SCHEMA,
    OpenApiParameter.HEADER,
    required=False,
    description=_KEY_TEXT + " Optional here.",
)
IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    "Idempotency-Key",
    KEY_SCHEMA,
    OpenApiParameter.HEADER,
    required=True,
    description=_KEY_TEXT + " Required here: without it, 400 `idempotency_key_required`.",
)
REPLAYED_HEADER = OpenApiParameter(
    REPLAYED,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201, 202],
    enum=["true"],
    description="Present (`true`) when this answer replays an earlier request with the same "
    "Idempotency-Key; absent on the first answer.",
)


def request_fingerprint(request) -> dict:
    """What makes two requests the same: the route (with its ids), the fields sent and, for an
    uploaded file, its content (not only its name)."""
    match = request.resolver_match
    data = request.data
    fields: Any = dict(data.lists()) if hasattr(data, "lists") else data
    files = {}
    for name, upload in getattr(request, "FILES", {}).items():
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        files[name] = digest.hexdigest()
    if files and isinstance(fields, dict):
        fields = {name: value for name, value in fields.items() if name not in files}
    return {
        "route": [match.view_name if match else request.path, match.kwargs if match else {}],
        "data": fields,
        "files": files,
    }


def _replay_by_id(view, request, answer: dict, status: int) -> Response:
    return view.detail_response(answer["id"], status_code=status)


def _remember_id(response) -> dict:
    return {"id": str(response.data["id"])}


def _remember_whole(response) -> dict:
    return dict(response.data)


def _replay_whole(view, request, answer: dict, status: int) -> Response:
    return Response(answer, status=status)


def idempotent(
    *,
    required: bool = False,
    keep_answer: bool = False,
    remember: Callable[[Response], dict] = _remember_id,
    replay: Callable[..., Response] = _replay_by_id,
    fingerprint: Callable[[Any], Any] = request_fingerprint,
):
    """Decorate a view method that creates something; it also declares the header and the
    replay marker in the schema, for POST only. On an ``@action`` it goes above ``@action``
    (which replaces the function's schema settings).

    ``remember(response)`` gives what is stored of the first answer (by default the id of the
    record answered); ``replay(view, request, stored, status)`` answers a repeat (by default the
    view's ``detail_response`` of that id). ``keep_answer`` keeps and replays the answer itself,
    for one that names no person and no record to read again (a complaint's reference, a queued
    event's id)."""
    if keep_answer:
        remember, replay = _remember_whole, _replay_whole

    def decorate(method):
        @functools.wraps(method)
        def wrapper(view, request, *args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            if request.method != "POST" or (key is None and not required):
                return method(view, request, *args, **kwargs)
            first: dict = {}

            def run() -> tuple[int, dict]:
                response = method(view, request, *args, **kwargs)
                first["response"] = response
                return response.status_code, remember(response)

            status, stored = idempotency.once(
                caller=caller_label(request.user), key=key, body=fingerprint(request), run=run
            )
            if "response" in first:
                return first["response"]
            response = replay(view, request, stored, status)
            response[REPLAYED] = "true"
            return response

        key_parameter = IDEMPOTENCY_KEY_REQUIRED if required else IDEMPOTENCY_KEY
        return extend_schema(methods=["POST"], parameters=[key_parameter, REPLAYED_HEADER])(wrapper)

    return decorate
