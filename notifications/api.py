"""The caller's notifications: the list, newest first, and marking them read."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.models import Event, Notification
from notifications.selectors import notifications_of
from notifications.services import notification_mark_read, notifications_mark_all_read


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    event = serializers.ChoiceField(choices=Event.choices, read_only=True)
    ref = serializers.CharField(
        source="legal_request.ref",
        read_only=True,
        allow_null=True,
        help_text="The request's reference; null for an officer's registration awaiting approval.",
    )
    created_at = serializers.DateTimeField(read_only=True)
    read = serializers.BooleanField(read_only=True)


@extend_schema(
    tags=["notifications"],
    summary="The caller's notifications",
    description=(
        "Every role. The caller's own notifications, newest first, paginated. Officers are told when "
        "the legal team asks a question, sends a message, and answers; the legal team when a request is "
        "received or resubmitted, a message arrives, a proposal awaits their approval (reviewers other "
        "than the proposer) or was sent back (the proposer), a deadline approaches (at configurable fractions of "
        "the time allowed, the clock stopped while the officer is asked) or has passed (reviewers); whoever may "
        "approve officers (analysts, reviewers, administrators) when an officer's registration awaits approval "
        "(officer_awaiting_approval, once per e-mail confirmation; its ref is null). Each event "
        "is notified once per recipient, and also e-mailed (reference, event and link only).\n\n"
        "Agencies that configure a webhook also receive question_asked, message_received and answered as a "
        "signed JSON POST ({event, id, ref, state, link, occurred_at}; no targets, no text): header "
        "X-Lawreq-Timestamp (Unix seconds) and X-Lawreq-Signature: sha256=<hex HMAC-SHA256 with the agency's "
        "secret over '<timestamp>.<raw body>'>; retried with exponential backoff until a 2xx, redirects not "
        "followed (docs/webhooks.md)."
    ),
)
class NotificationListView(ListAPIView):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # the schema's model; requests get the caller's own

    def get_queryset(self):
        return notifications_of(self.request.user)


@extend_schema(tags=["notifications"])
class NotificationReadView(APIView):
    @extend_schema(
        summary="Mark one notification read",
        operation_id="notification_read",
        description="Marks one of the caller's notifications read; anyone else's answers 404. Idempotent.",
        request=None,
        responses=NotificationSerializer,
    )
    def post(self, request, notification_id: int):
        notification = notification_mark_read(user=request.user, notification_id=notification_id)
        return Response(NotificationSerializer(notification).data)


@extend_schema(tags=["notifications"])
class NotificationReadAllView(APIView):
    @extend_schema(
        summary="Mark all the caller's notifications read",
        operation_id="notifications_read_all",
        request=None,
        responses=inline_serializer("NotificationsMarkedRead", {"marked_read": serializers.IntegerField()}),
    )
    def post(self, request):
        return Response({"marked_read": notifications_mark_all_read(user=request.user)})
