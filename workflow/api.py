"""REST endpoints that move a request along its journey: submit and withdraw (officers), propose
and approve (the legal team). Each answers as the resource it acted on; the rules are the steps'."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure.api import ApprovalWriteSerializer, ProposalSerializer, ProposalWriteSerializer
from disclosure.selectors import proposal_current
from requests_app.api import request_detail_response
from requests_app.selectors import legal_request_get_for_officer, legal_request_get_for_staff
from requests_app.serializers import LegalRequestSerializer, SubmitSerializer, WithdrawSerializer
from workflow.services import do_decide, do_propose, do_submit, do_withdraw

PROPOSAL_RESOURCE = "disclosure.proposal"


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
