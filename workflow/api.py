"""REST endpoints that move a request along its journey: submit and withdraw (officers), propose
and approve (the legal team). Each answers as the resource it acted on; the rules are the steps'."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import BodySerializer, ThreadItemSerializer
from casework.selectors import messages_of
from casework.services import MAX_BODY_CHARS
from disclosure.api import (
    ApprovalWriteSerializer,
    CallBackSerializer,
    CallBackWriteSerializer,
    FollowUpReceivedSerializer,
    ProposalSerializer,
    ProposalWriteSerializer,
)
from disclosure.selectors import callbacks_of, proposal_current
from requests_app.api import request_detail_response
from requests_app.selectors import (
    legal_request_get,
    legal_request_get_for_officer,
    legal_request_get_for_staff,
    legal_request_shown,
)
from requests_app.serializers import LegalRequestSerializer, SubmitSerializer, WithdrawSerializer
from workflow.services import (
    do_callback_record,
    do_decide,
    do_followup_received,
    do_message_post,
    do_propose,
    do_submit,
    do_withdraw,
)

PROPOSAL_RESOURCE = "disclosure.proposal"
CALLBACK_RESOURCE = "disclosure.callback"
FOLLOWUP_RESOURCE = "requests_app.followup"


@extend_schema(tags=["requests"])
class SubmitView(APIView):
    @extend_schema(request=None, responses=LegalRequestSerializer)
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_officer(user=request.user, ref=ref)
        SubmitSerializer(data=request.data or {}).is_valid(raise_exception=True)
        do_submit(legal_request=legal_request, actor=request.user)
        return request_detail_response(legal_request)


@extend_schema(tags=["requests"])
class WithdrawView(APIView):
    @extend_schema(request=WithdrawSerializer, responses=LegalRequestSerializer)
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_officer(user=request.user, ref=ref)
        serializer = WithdrawSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        do_withdraw(legal_request=legal_request, actor=request.user, reason=serializer.validated_data["reason"])
        return request_detail_response(legal_request)


@extend_schema(tags=["review"])
class ProposalView(APIView):
    @extend_schema(responses=ProposalSerializer)
    def get(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=PROPOSAL_RESOURCE)
        proposal = proposal_current(legal_request=legal_request, actor=request.user)
        return Response(ProposalSerializer(proposal).data)

    @extend_schema(request=ProposalWriteSerializer, responses={201: ProposalSerializer})
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=PROPOSAL_RESOURCE)
        serializer = ProposalWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        proposal = do_propose(legal_request=legal_request, actor=request.user, **serializer.validated_data)
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["review"])
class ApprovalView(APIView):
    @extend_schema(request=ApprovalWriteSerializer, responses=ProposalSerializer)
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=PROPOSAL_RESOURCE)
        serializer = ApprovalWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        approval = do_decide(legal_request=legal_request, actor=request.user, **serializer.validated_data)
        return Response(ProposalSerializer(approval.proposal).data)


@extend_schema(tags=["requests"])
class MessagesView(APIView):
    @extend_schema(
        summary="The conversation between the agency and the legal team",
        description="The agency's officers, analysts and reviewers; oldest first. The legal team's "
        "questions are in it too (kind of entry aside, same shape). An officer sees the legal team's "
        "messages signed 'Legal team', never by a staff username. Another agency's officer gets 404, an "
        "auditor 403. Messages are never printed in a letter.",
        responses=ThreadItemSerializer(many=True),
    )
    def get(self, request, ref: str):
        legal_request = legal_request_get(user=request.user, ref=ref)
        legal_request_shown(user=request.user, legal_request=legal_request, via="api:messages")
        items = messages_of(legal_request=legal_request, reader=request.user)
        return Response(ThreadItemSerializer(items, many=True).data)

    @extend_schema(
        summary="Write in the conversation",
        description=f"`body`: 1 to {MAX_BODY_CHARS} characters, no control characters but line breaks. "
        "Not on a draft (409). Audited with a keyed hash and the length of the body, never its text; the "
        "other side is notified.",
        request=BodySerializer,
        responses={201: ThreadItemSerializer},
    )
    def post(self, request, ref: str):
        legal_request = legal_request_get(user=request.user, ref=ref)
        serializer = BodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = do_message_post(
            legal_request=legal_request, actor=request.user, body=serializer.validated_data["body"]
        )
        items = messages_of(legal_request=legal_request, reader=request.user)
        item = next(item for item in items if item.id == message.pk)
        return Response(ThreadItemSerializer(item).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["review"])
class CallBacksView(APIView):
    @extend_schema(
        summary="The call-backs made to verify the request out of band",
        description="Analysts and reviewers; oldest first. Anyone else gets 404.",
        responses=CallBackSerializer(many=True),
    )
    def get(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=CALLBACK_RESOURCE)
        legal_request_shown(user=request.user, legal_request=legal_request, via="api:callbacks")
        records = callbacks_of(legal_request=legal_request, actor=request.user)
        return Response(CallBackSerializer(records, many=True).data)

    @extend_schema(
        summary="Record a call-back to the agency's registry number",
        description="`{spoke_to, outcome: confirmed|not_confirmed|no_answer, note}`. The number called is the "
        "agency's number in the registry (`Agency.callback_phone`), taken by the system when the call is "
        "recorded: a body naming a number (`number_called`, `number`) is refused (400), and an agency with no "
        "registry number gives 409. Who called and when are the system's. An emergency disclosure cannot be "
        "proposed nor approved (409) until one call-back is `confirmed` since the request's last (re)submission "
        "(an earlier one verified another text); the reviewer who recorded it may not approve (409, four eyes). "
        "Refused (409): on a draft or a closed request (responded, rejected, withdrawn), on a request that needs "
        "no verification (neither an emergency nor flagged by the rules), on a suspended agency's request, and a "
        "`confirmed` one by whoever recorded a `not_confirmed` one on the request. A `not_confirmed` one flags the "
        "request and notifies the reviewers. `spoke_to` and `note` are sealed; never shown to an officer.",
        request=CallBackWriteSerializer,
        responses={201: CallBackSerializer},
    )
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=CALLBACK_RESOURCE)
        serializer = CallBackWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        callback = do_callback_record(legal_request=legal_request, actor=request.user, **serializer.validated_data)
        record = next(
            item for item in callbacks_of(legal_request=legal_request, actor=request.user) if item.id == callback.pk
        )
        return Response(CallBackSerializer(record).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["review"])
class FollowUpReceivedView(APIView):
    @extend_schema(
        summary="Mark the follow-up legal process of an emergency disclosure received",
        description="Analysts and reviewers. `document`: the id of the follow-up document the officer added "
        "after the response (optional). 409 when no follow-up is awaited.",
        request=FollowUpReceivedSerializer,
        responses=LegalRequestSerializer,
    )
    def post(self, request, ref: str):
        legal_request = legal_request_get_for_staff(user=request.user, ref=ref, resource=FOLLOWUP_RESOURCE)
        serializer = FollowUpReceivedSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        do_followup_received(
            legal_request=legal_request, actor=request.user, document_id=serializer.validated_data["document"]
        )
        return request_detail_response(legal_request, request=request)
