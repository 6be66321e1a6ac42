"""API of responses: the signed PDF for download, and verification of any PDF."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from lawreq.api import PDF_DOWNLOAD_RENDERERS, JSONErrorsMixin
from lawreq.clientip import ClientAddressAnonThrottle
from lawreq.errors import InvalidInput
from letters import selectors, services
from letters.certificate import DIFFERS, MATCH, MISSING
from letters.uploads import read_pdf_upload

ERR_NO_FILE = "Upload the PDF as the multipart field 'file'."


def pdf_response(pdf: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def response_filename(ref: str) -> str:
    return f"{ref}-response.pdf"


@extend_schema(tags=["responses"])
class ResponsePdfView(JSONErrorsMixin, APIView):
    renderer_classes = PDF_DOWNLOAD_RENDERERS

    @extend_schema(request=None, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request, ref: str):
        response, pdf = services.response_download(user=request.user, ref=ref, via="api")
        return pdf_response(pdf, filename=response_filename(response.legal_request.ref))


class VerificationThrottle(ClientAddressAnonThrottle):
    """Per client address as ``lawreq.clientip`` finds it: a forged X-Forwarded-For buys nothing."""

    scope = "response_verification"
    rate = "30/min"


class CertifiedFileCheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes, as the certificate states")
    stated_sha256 = serializers.CharField(help_text="The SHA-256 the certificate states")
    embedded_sha256 = serializers.CharField(
        allow_blank=True, help_text="The SHA-256 of the file of that name attached to the uploaded PDF ('' if none)"
    )
    status = serializers.ChoiceField(choices=[MATCH, DIFFERS, MISSING])


class CertificateCheckSerializer(serializers.Serializer):
    custodian = serializers.CharField(help_text="The custodian of records' function (never a person)")
    ref = serializers.CharField()
    executed_on = serializers.DateField()
    declarant = serializers.CharField(
        allow_blank=True,
        help_text="The person who signed the declaration as the custodian; empty when only the function is named",
    )
    declaration = serializers.CharField(
        allow_blank=True,
        help_text="The paragraph of 28 U.S.C. § 1746 the declaration follows: (1) executed outside the United States, "
        "(2) within",
    )
    files = CertifiedFileCheckSerializer(many=True)


class VerificationSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    reference = serializers.CharField(allow_blank=True)
    issued_at = serializers.DateTimeField(allow_null=True)
    timestamped = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    certificate = CertificateCheckSerializer(
        allow_null=True,
        help_text="For a valid letter that carries a certificate of authenticity of business records (Federal Rules "
        "of Evidence 902(11) and 902(13), asked for at intake with `authenticity_certificate`): the custodian's "
        "function, the request, the date, and per attached record file the SHA-256 the certificate states beside "
        "the one computed from the uploaded PDF's attachment. null otherwise.",
    )


@extend_schema(tags=["responses"])
class VerifyView(APIView):
    """Anyone may check a PDF: valid or not, and the request reference when valid, nothing else."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser]
    throttle_classes = [VerificationThrottle]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("VerifyUpload", {"file": serializers.FileField()})},
        responses={200: VerificationSerializer},
    )
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput(ERR_NO_FILE, field="file")
        result = selectors.response_verify(read_pdf_upload(upload))
        return Response(
            VerificationSerializer(
                {
                    "valid": result.valid,
                    "reference": result.reference,
                    "issued_at": result.issued_at,
                    "timestamped": result.timestamped,
                    "problems": list(result.problems),
                    "certificate": result.certificate,
                }
            ).data
        )
