"""The legal team's internal notes on a request, and the serializers of the conversation (whose
endpoint is the journey's, ``workflow.api.MessagesView``: a message notifies the other side)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.selectors import notes_of
from casework.services import MAX_BODY_CHARS, note_add
from lawreq.fields import RejectUnknownFieldsMixin, StrictCharField
from requests_app.selectors import legal_request_get_for_staff, legal_request_shown

NOTE_RESOURCE = "casework.internalnote"


class BodySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    body = StrictCharField(max_length=MAX_BODY_CHARS, trim_whitespace=True)


class ThreadItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    author_role = serializers.CharField(
        read_only=True,
        help_text="officer, analyst, reviewer or system (the automatic checks); an officer reading sees "
        "legal_team for the legal team's messages",
    )
    author = serializers.CharField(
        read_only=True, help_text="who wrote it; an officer reading sees 'Legal team', never a staff username"
    )
    body = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


@extend_schema(tags=["review"])
class NotesView(APIView):
    @extend_schema(
        summary="The legal team's internal notes",
        description="Analysts and reviewers; oldest first. Anyone else (an officer, an auditor) gets 404. "
        "Notes are never shown to an officer and never printed in a letter.",
        responses=ThreadItemSerializer(many=True),
    )
    def get(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=NOTE_RESOURCE)
        legal_request_shown(user=request.user, legal_request=legal_request, via="api:notes")
        return Response(
            ThreadItemSerializer(notes_of(legal_request=legal_request, reader=request.user), many=True).data
        )

    @extend_schema(
        summary="Add an internal note",
        description=f"Analysts and reviewers. `body`: 1 to {MAX_BODY_CHARS} characters. Audited with a keyed "
        "hash and the length of the body, never its text.",
        request=BodySerializer,
        responses={201: ThreadItemSerializer},
    )
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=NOTE_RESOURCE)
        serializer = BodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = note_add(legal_request=legal_request, author=request.user, body=serializer.validated_data["body"])
        item = next(item for item in notes_of(legal_request=legal_request, reader=request.user) if item.id == note.pk)
        return Response(ThreadItemSerializer(item).data, status=status.HTTP_201_CREATED)
