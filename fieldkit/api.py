"""``POST /api/v1/sync/``: a batch of work done offline, applied in order (CONTRACT.md, "Offline
field sync").

Each operation goes to the resource it names exactly as a request of its own would: the same
view, serializer, service, scope, role, audit actor and read log (``_call`` hands the
resource's view a request carrying the caller's credentials and the operation's body). An
operation runs in a savepoint of the batch's transaction, so one that is refused leaves nothing
behind and the next ones still run. ``"op:<op_id>"`` in a field (or as the ``target``) names the
record an earlier operation of the batch created. An update sends the ETag the device last saw
as ``base_etag``: if the record changed since, the answer is ``409 edit_conflict`` with the
record as stored now, and nothing is overwritten. A batch is answered once: sent again (the
same ``batch_id`` from the same device), it answers the same results and creates nothing.
"""

import hashlib
import io
import json

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import resolve
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from facilities.models import ExaminedArea, Visit, VisitFinding
from facilities.services import visit_part_save
from fieldkit import services
from fieldkit.errors import FieldErrorCode
from npm_tracker.core.api.auth import caller_label
from npm_tracker.core.api.base import CodeField, JsonCharField, JsonUUIDField, etag_of
from npm_tracker.core.errors import ErrorCode

MAX_OPERATIONS = 200
REFERENCE = "op:"
# Where each type of operation goes: the resource's own route (``{target}`` is the record).
ROUTES = {
    "visit.create": ("POST", "/api/v1/visits/"),
    "visit.update": ("PATCH", "/api/v1/visits/{target}/"),
    "recommendation.create": ("POST", "/api/v1/recommendations/"),
    "allegation.create": ("POST", "/api/v1/allegations/"),
    "allegation.update": ("PATCH", "/api/v1/allegations/{target}/"),
}
TYPES = sorted([*ROUTES, "finding.create"])
UPDATES = {name for name, (method, _path) in ROUTES.items() if method == "PATCH"}


class OperationSerializer(serializers.Serializer):
    op_id = JsonUUIDField(help_text="The operation's id, chosen by the device.")
    type = serializers.ChoiceField(choices=TYPES, help_text="What the operation does.")
    # The contract's name; DRF's metaclass takes fields off the class, so .data stays a property.
    data = serializers.DictField(  # type: ignore[assignment]
        default=dict,
        help_text='The fields of the resource\'s POST or PATCH body; `"op:<op_id>"` names a '
        "record created earlier in the batch.",
    )
    target = JsonCharField(
        required=False,
        allow_null=True,
        default=None,
        help_text='The record an update changes: its id, or `"op:<op_id>"`; null otherwise.',
    )
    base_etag = JsonCharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The ETag of the record as the device last saw it (updates).",
    )

    def validate(self, attrs):
        if attrs["type"] in UPDATES and not attrs.get("target"):
            raise serializers.ValidationError({"target": [_("An update names its record.")]})
        return attrs


class BatchSerializer(serializers.Serializer):
    device = JsonUUIDField(help_text="The device's id, chosen by the device.")
    batch_id = JsonUUIDField(help_text="The batch's id: sent again, it answers again.")
    operations = serializers.ListField(
        child=OperationSerializer(),
        allow_empty=False,
        max_length=MAX_OPERATIONS,
        help_text=f"At most {MAX_OPERATIONS}, applied in this order.",
    )

    def validate_operations(self, operations):
        ids = [str(operation["op_id"]) for operation in operations]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("Each operation of a batch has its own op_id."))
        return operations


RESULT = inline_serializer(
    "SyncResult",
    {
        "op_id": serializers.UUIDField(help_text="The operation answered."),
        "status": serializers.IntegerField(
            help_text="As the resource would have answered: 201, 200, 400, 403, 404 or 409."
        ),
        "id": serializers.UUIDField(allow_null=True, help_text="The record, or null."),
        "etag": serializers.CharField(allow_null=True, help_text="Its ETag now, or null."),
        "code": serializers.CharField(allow_null=True, help_text="The problem's code, or null."),
        "detail": serializers.CharField(allow_null=True, help_text="The problem, or null."),
        "errors": serializers.DictField(
            allow_null=True, help_text="The problem's messages per field, or null."
        ),
        "current": serializers.DictField(
            allow_null=True,
            help_text="With `edit_conflict`: the record as stored now (nothing was changed).",
        ),
    },
)


class SyncRefused(exceptions.APIException):
    status_code = 403
    default_code = "permission_denied"


class BatchConflict(exceptions.APIException):
    status_code = 409
    default_code = str(ErrorCode.IDEMPOTENCY_CONFLICT)
    default_detail = _("This batch was sent before with other operations.")


class _Undo(Exception):
    """Leaves an operation's savepoint, rolling back what it wrote."""

    def __init__(self, result: dict):
        self.result = result


class SyncView(APIView):
    """The batch sync of the offline visit kit."""

    @extend_schema(
        request=BatchSerializer,
        responses={
            200: inline_serializer(
                "SyncAnswer",
                {
                    "batch_id": serializers.UUIDField(help_text="The batch answered."),
                    "results": serializers.ListField(
                        child=RESULT, help_text="One per operation, in the order sent."
                    ),
                },
            )
        },
    )
    def post(self, request):
        """Applies a batch of operations recorded offline, in order, each as its own request
        to its resource would be (same validation, scope and roles); answers one result per
        operation. The same `batch_id` from the same device answers the same results again and
        creates nothing; a revoked device is refused (`403 device_revoked`)."""
        serializer = BatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        batch = serializer.validated_data
        fingerprint = hashlib.sha256(
            json.dumps(serializer.data["operations"], sort_keys=True).encode()
        ).hexdigest()
        user = request.user
        with transaction.atomic():
            try:
                device = services.device_locked(
                    device_id=batch["device"],
                    owner=caller_label(user),
                    user=user if isinstance(user, AbstractUser) else None,
                )
            except services.DeviceRevoked:
                raise SyncRefused(
                    _("This device was revoked: it may not sync."),
                    code=str(FieldErrorCode.DEVICE_REVOKED),
                ) from None
            except services.DeviceOfAnother:
                raise SyncRefused(_("This device belongs to another user.")) from None
            sent = device.batches.filter(batch_id=batch["batch_id"]).first()
            if sent is not None:
                if sent.fingerprint != fingerprint:
                    raise BatchConflict()
                stored = sent.results
            else:
                stored = self._apply(request, batch["operations"])
                services.batch_record(
                    device=device,
                    batch_id=batch["batch_id"],
                    fingerprint=fingerprint,
                    results=stored,
                )
            results = [self._answer(request, result) for result in stored]
        return Response({"batch_id": str(batch["batch_id"]), "results": results})

    def _apply(self, request, operations) -> list[dict]:
        created: dict[str, str] = {}
        results = []
        for operation in operations:
            op_id = str(operation["op_id"])
            try:
                with transaction.atomic():
                    result = self._run(request, operation, created)
                    if result["status"] >= 400:
                        raise _Undo(result)
            except _Undo as undo:
                result = undo.result
            if result["status"] == 201 and result["id"]:
                created[op_id] = result["id"]
            results.append({"op_id": op_id, **result})
        return results

    def _run(self, request, operation, created: dict) -> dict:
        try:
            data = _resolve(operation["data"], created)
            target = _resolve(operation["target"], created)
        except UnknownReference as unknown:
            return _problem(
                400,
                str(FieldErrorCode.UNKNOWN_REFERENCE),
                _("No earlier operation of this batch created %(reference)s.")
                % {"reference": unknown.reference},
            )
        if operation["type"] == "finding.create":
            return _create_finding(request, data)
        method, path = ROUTES[operation["type"]]
        path = path.format(target=target)
        response = _call(request, method, path, data, operation["base_etag"])
        if response.status_code == 412:
            return {
                **_problem(
                    409,
                    str(FieldErrorCode.EDIT_CONFLICT),
                    _("The record changed since this device last saw it; nothing was changed."),
                ),
                "id": str(target),
                "path": path,
            }
        if response.status_code in (200, 201):
            return _done(response.status_code, response.data["id"], response.get("ETag"))
        body = response.data if isinstance(response.data, dict) else {}
        return _problem(
            response.status_code,
            body.get("code"),
            body.get("detail", ""),
            body.get("errors"),
        )

    def _answer(self, request, result: dict) -> dict:
        """A stored result as answered: with an edit conflict, the record as stored now (read
        afresh, as the caller may see it; never kept with the batch)."""
        answer = {key: value for key, value in result.items() if key != "path"}
        answer["current"] = None
        if result.get("code") == str(FieldErrorCode.EDIT_CONFLICT):
            response = _call(request, "GET", result["path"], None, None)
            if response.status_code == 200:
                answer["current"] = response.data
                answer["etag"] = response.get("ETag")
        return answer


class UnknownReference(Exception):
    def __init__(self, reference: str):
        self.reference = reference


def _resolve(value, created: dict):
    """``value`` with each ``"op:<op_id>"`` replaced by the id that operation created."""
    if isinstance(value, str) and value.startswith(REFERENCE):
        reference = value[len(REFERENCE) :]
        if reference not in created:
            raise UnknownReference(value)
        return created[reference]
    if isinstance(value, list):
        return [_resolve(item, created) for item in value]
    if isinstance(value, dict):
        return {key: _resolve(item, created) for key, item in value.items()}
    return value


def _done(status: int, record_id, etag) -> dict:
    return {
        "status": status,
        "id": str(record_id),
        "etag": etag,
        "code": None,
        "detail": None,
        "errors": None,
    }


def _problem(status: int, code, detail, errors=None) -> dict:
    return {
        "status": status,
        "id": None,
        "etag": None,
        "code": code,
        "detail": str(detail) if detail else None,
        "errors": errors or None,
    }


def _call(request, method: str, path: str, data, base_etag):
    """The resource's answer to ``method path`` with ``data`` as its JSON body, asked with the
    caller's own credentials (token or session, language), as a request of its own."""
    outer = request._request
    body = json.dumps(data).encode() if data is not None else b""
    meta = {
        key: value
        for key, value in outer.META.items()
        if key not in ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IDEMPOTENCY_KEY")
    }
    meta.update(
        REQUEST_METHOD=method,
        PATH_INFO=path,
        QUERY_STRING="",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
    )
    if base_etag:
        meta["HTTP_IF_MATCH"] = base_etag
    inner = HttpRequest()
    inner.method = method
    inner.path = inner.path_info = path
    inner.META = meta
    inner.COOKIES = outer.COOKIES
    inner._stream = io.BytesIO(body)
    inner._read_started = False  # type: ignore[attr-defined]
    for name in ("user", "session", "LANGUAGE_CODE"):
        if hasattr(outer, name):
            setattr(inner, name, getattr(outer, name))
    match = resolve(path)
    inner.resolver_match = match
    return match.func(inner, *match.args, **match.kwargs)


class FindingSerializer(serializers.Serializer):
    visit = JsonUUIDField(help_text="The visit the finding belongs to.")
    area = CodeField(ExaminedArea)
    text = JsonCharField(help_text="What the group found in that area.")


def _create_finding(request, data: dict) -> dict:
    """``finding.create``: a finding of a visit the caller may see and change (the admin's
    rule: a staff member needs the right to change visits)."""
    serializer = FindingSerializer(data=data, context={"request": request})
    if not serializer.is_valid():
        return _problem(400, str(ErrorCode.INVALID), "", serializer.errors)
    user = request.user
    visit = Visit.objects.visible_to(user).filter(pk=serializer.validated_data["visit"]).first()
    if visit is None:
        return _problem(404, "not_found", _("Not found."))
    if isinstance(user, AbstractUser) and not user.has_perm("facilities.change_visit"):
        return _problem(403, "permission_denied", _("You may not change this visit."))
    values = serializer.validated_data
    finding = VisitFinding(visit=visit, area=values["area"], text=values["text"])
    try:
        visit_part_save(actor=user, part=finding)
    except ValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {}
        return _problem(400, str(ErrorCode.INVALID), " ".join(error.messages), messages)
    return _done(201, finding.pk, etag_of(finding))
