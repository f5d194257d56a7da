"""``/api/v1/webhooks/``: a caller registers, lists and deletes its own webhooks and reads
their delivery log. The signing secret is shown once, at registration and at each rotation;
a webhook can be pinged, and a logged event delivered again."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from npm_tracker.core import netguard, webhooks
from npm_tracker.core.api.auth import ClientPrincipal, caller_label
from npm_tracker.core.api.base import (
    ConditionalRetrieveMixin,
    JsonCharField,
    JsonUUIDField,
    UpdatedSinceFilter,
)
from npm_tracker.core.api.replay import idempotent
from npm_tracker.core.models import Webhook, WebhookDelivery
from npm_tracker.core.webhooks import EVENTS, LOGGED_EVENTS, new_secret


def _binding(user):
    """The organisation a client is bound to (a prosecutor's office), or ``None``."""
    return user.api_client.binding() if isinstance(user, ClientPrincipal) else None


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENTS),
        allow_empty=False,
        help_text="The events to deliver.",
    )
    prosecutor_office: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=(
            "Set for a prosecutor's office client: the webhook hears only of the referrals "
            "addressed to that office (events `referral.*`)."
        ),
    )

    class Meta:
        model = Webhook
        fields: tuple[str, ...] = (
            "id",
            "url",
            "events",
            "prosecutor_office",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "created_at", "updated_at")
        extra_kwargs = {"url": {"help_text": "Where deliveries are POSTed (https)."}}

    def validate_events(self, value):
        request = self.context.get("request")
        binding = _binding(request.user) if request is not None else None
        allowed = getattr(binding, "webhook_events", None)
        if allowed is not None and set(value) - set(allowed):
            raise serializers.ValidationError(
                _("This client may subscribe only to: %(events)s.") % {"events": ", ".join(allowed)}
            )
        return value

    def validate_url(self, value):
        # The model's rule, with its code, before anything is written.
        netguard.check_registration(value)
        return value


class WebhookCreatedSerializer(WebhookSerializer):
    secret = JsonCharField(
        read_only=True, help_text="The key of the deliveries' HMAC signature, shown only now."
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")


class RotatedSerializer(WebhookCreatedSerializer):
    previous_secret_valid_until = serializers.DateTimeField(
        source="previous_secret_until",
        read_only=True,
        help_text="Until then deliveries also carry a signature with the previous secret.",
    )

    class Meta(WebhookCreatedSerializer.Meta):
        fields = (*WebhookCreatedSerializer.Meta.fields, "previous_secret_valid_until")


class QueuedEventSerializer(serializers.Serializer):
    event_id = serializers.UUIDField(
        help_text="The event's id (`X-NPM-Delivery`); its attempts appear in the delivery log."
    )


class RedeliverSerializer(serializers.Serializer):
    event_id = JsonUUIDField(help_text="The event to deliver again, from the log.")


class EventNotRedeliverable(exceptions.APIException):
    status_code = 409
    default_code = "not_redeliverable"
    default_detail = _(
        "This event was logged before deliveries kept what they carried; it cannot be sent again."
    )


class DeliverySerializer(serializers.ModelSerializer):
    event = serializers.ChoiceField(choices=LOGGED_EVENTS, read_only=True, help_text="The event.")

    class Meta:
        model = WebhookDelivery
        fields = (
            "event_id",
            "event",
            "attempt",
            "response_status",
            "error",
            "succeeded",
            "created_at",
        )
        extra_kwargs = {
            "event_id": {"help_text": "The event's id; the same for every attempt."},
            "attempt": {"help_text": "The attempt number, from 1."},
            "response_status": {"help_text": "The receiver's HTTP status, or null."},
            "error": {"help_text": "Why the attempt failed; empty otherwise."},
            "succeeded": {"help_text": "The receiver answered 2xx."},
            "created_at": {"help_text": "When the attempt was made."},
        }


class WebhookFilter(UpdatedSinceFilter):
    class Meta:
        model = Webhook
        fields = ("updated_since",)


class WebhookViewSet(
    ConditionalRetrieveMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = WebhookSerializer
    filterset_class = WebhookFilter
    queryset = Webhook.objects.none()
    # A prosecutor's office client registers webhooks for its own referrals.
    prosecutor_actions = (
        "list",
        "retrieve",
        "create",
        "destroy",
        "deliveries",
        "ping",
        "redeliver",
        "rotate_secret",
    )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webhook.objects.none()
        user = self.request.user
        return (
            Webhook.objects.filter(owner=caller_label(user), is_active=True)
            .select_related("prosecutor_office")
            .visible_to(user)
        )

    @extend_schema(responses={201: WebhookCreatedSerializer})
    @idempotent(replay=lambda view, request, stored, status: view.created_response(stored, status))
    def create(self, request, *args, **kwargs):
        """Registers a webhook for the events named. The answer holds the signing `secret`,
        shown this once."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        country = (
            user.api_client.country
            if isinstance(user, ClientPrincipal)
            else user.staff_profile.countries.order_by("code").first()
        )
        with transaction.atomic():
            binding = _binding(user)
            hook = Webhook(
                owner=caller_label(user),
                country=country,
                url=serializer.validated_data["url"],
                events=sorted(set(serializer.validated_data["events"])),
                secret=new_secret(),
                **(binding.webhook_fields() if binding is not None else {}),
            )
            hook.full_clean()
            hook.save()
        return Response(WebhookCreatedSerializer(hook).data, status=201)

    def created_response(self, stored: dict, status: int) -> Response:
        """A replayed registration: the webhook it made, with its secret, as the first answer."""
        hook = get_object_or_404(self.get_queryset(), pk=stored["id"])
        return Response(WebhookCreatedSerializer(hook).data, status=status)

    def perform_destroy(self, instance):
        # The delivery log stays: the webhook is switched off, not erased.
        instance.is_active = False
        instance.save(update_fields=["is_active", "updated_at"])

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def deliveries(self, request, pk=None):
        """The delivery log of the webhook: every attempt, oldest first (at most 500)."""
        hook = self.get_object()
        log = WebhookDelivery.objects.filter(webhook=hook).order_by("created_at", "id")[:500]
        return Response(DeliverySerializer(log, many=True).data)

    def _queued(self, event_id: str) -> Response:
        return Response({"event_id": event_id}, status=202)

    @extend_schema(request=None, responses={202: QueuedEventSerializer})
    @idempotent(keep_answer=True)
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """Sends a test event, `webhook.ping` (its object is the webhook), to this webhook,
        whatever it subscribed to: signed, retried and logged like any delivery."""
        hook = self.get_object()
        with transaction.atomic():
            event_id = webhooks.ping(hook)
        return self._queued(event_id)

    @extend_schema(request=RedeliverSerializer, responses={202: QueuedEventSerializer})
    @idempotent(keep_answer=True)
    @action(detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        """Delivers an event of the log again: the same event id and body as first sent, with
        fresh signatures (for a receiver that lost it). An event not in this webhook's log
        answers `404`; one logged before deliveries kept their content, `409
        not_redeliverable`."""
        hook = self.get_object()
        serializer = RedeliverSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                event_id = webhooks.redeliver(hook, serializer.validated_data["event_id"])
        except WebhookDelivery.DoesNotExist:
            raise exceptions.NotFound(_("This webhook's log has no such event.")) from None
        except webhooks.NotRedeliverable:
            raise EventNotRedeliverable() from None
        return self._queued(event_id)

    @extend_schema(request=None, responses={200: RotatedSerializer})
    @idempotent(replay=lambda view, request, stored, status: view.rotated_response(stored, status))
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        """Gives the webhook a new signing `secret`, shown this once. For
        `previous_secret_valid_until` (`WEBHOOK_SECRET_OVERLAP_HOURS`, default 24 h) deliveries
        carry a `v1` signature with each secret in `X-NPM-Signature-Timestamped`;
        `X-NPM-Signature` uses the new one at once."""
        hook = self.get_object()
        with transaction.atomic():
            webhooks.rotate_secret(hook)
        return Response(RotatedSerializer(hook).data)

    def rotated_response(self, stored: dict, status: int) -> Response:
        """A replayed rotation: the webhook with the secret it has now (not rotated again)."""
        hook = get_object_or_404(self.get_queryset(), pk=stored["id"])
        return Response(RotatedSerializer(hook).data, status=status)
