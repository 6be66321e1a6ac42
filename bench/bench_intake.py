"""Intake throughput through the API, in-process, next to a bare DRF create endpoint.

    .venv/bin/python bench/bench_intake.py [--requests N] [--runs R]

Prints requests per second (median of R runs) for: a bare DRF create endpoint with an 11-field
ModelSerializer and token auth on the same model; lawreq's create; and lawreq's full intake
(create + PDF upload + submit, with the rule checks that submission triggers, run eagerly).
Uses a throw-away SQLite database unless DATABASE_URL is set.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid

import benchsetup  # noqa: F401  (Django, and the bench database)
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import include, path
from rest_framework import generics, serializers
from rest_framework.test import APIClient

from demo.cast import demo_cast_create
from requests_app.auth import token_create
from requests_app.models import Agency, Jurisdiction, LegalRequest


class BareSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalRequest
        fields = [
            "ref", "agency", "created_by", "jurisdiction", "process_type", "emergency", "case_number", "offense",
            "date_from", "date_to", "categories",
        ]  # fmt: skip


class BareCreate(generics.CreateAPIView):
    serializer_class = BareSerializer


urlpatterns = [path("bare/", BareCreate.as_view()), path("", include("lawreq.urls"))]

PAYLOAD = {
    "jurisdiction": "US",
    "process_type": "subpoena",
    "case_number": "2026-CR-0042",
    "offense": "Wire fraud",
    "offense_category": "fraud",
    "terms_violation": True,
    "issuing_authority": {"type": "court", "name": "U.S. District Court"},
    "issued_at": "2026-11-20",
    "date_from": "2026-10-01",
    "date_to": "2026-11-01",
    "categories": ["ip_addresses", "phone_number"],
    "targets": [{"type": "username", "value": "@someone"}, {"type": "phone", "value": "(202) 555-0199"}],
}


def _rate(count: int, action) -> float:
    start = time.perf_counter()
    for index in range(count):
        action(index)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    demo_cast_create(password="bench-password-1")
    from django.contrib.auth import get_user_model

    officer = get_user_model().objects.get(username="officer.us")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=officer)[0]}")
    agency = Agency.objects.get(name__startswith="Springfield")
    us = Jurisdiction.objects.get(code="US")
    from tests.conftest import make_pdf

    pdf = make_pdf("Subpoena")
    bare_counter = iter(range(10**9))
    run_id = uuid.uuid4().hex[:8]

    def bare(_):
        body = {
            "ref": f"B-{run_id}-{next(bare_counter)}", "agency": agency.pk, "created_by": officer.pk,
            "jurisdiction": us.pk,
            "process_type": "subpoena", "emergency": False, "case_number": "2026-CR-0042", "offense": "Wire fraud",
            "date_from": "2026-10-01", "date_to": "2026-11-01", "categories": ["ip_addresses"],
        }  # fmt: skip
        assert client.post("/bare/", body, format="json").status_code == 201

    def create(_):
        assert client.post("/api/v1/requests/", PAYLOAD, format="json").status_code == 201

    def intake(_):
        ref = client.post("/api/v1/requests/", PAYLOAD, format="json").json()["ref"]
        upload = SimpleUploadedFile("order.pdf", pdf, content_type="application/pdf")
        assert (
            client.post(f"/api/v1/requests/{ref}/documents/", {"file": upload}, format="multipart").status_code == 201
        )
        assert client.post(f"/api/v1/requests/{ref}/submit/").status_code == 200

    results = {}
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        for name, action in (("bare DRF create", bare), ("lawreq create", create), ("lawreq intake", intake)):
            action(0)  # warm up
            rates = [_rate(args.requests, action) for _ in range(args.runs)]
            results[name] = statistics.median(rates)

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"intake benchmark ({engine}, {args.requests} requests x {args.runs} runs, median)")
    for name, rate in results.items():
        print(f"  {name:<18} {rate:8.1f} requests/s")
    print(f"  create / bare      {results['lawreq create'] / results['bare DRF create']:8.2f}  (target >= 0.5)")
    print(
        f"  intake / bare      {results['lawreq intake'] / results['bare DRF create']:8.2f}  "
        "(create + upload + submit + checks)"
    )


if __name__ == "__main__":
    main()
