"""The signature of the order joins the rule checks: the ``signed_order`` check, the shipped EU rules
(a broken or untrusted signature fails a European order, an unsigned one warns), the risk signals,
and a re-run that checks the signature again against the roots of the day."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from requests_app.choices import SignatureStatus
from requests_app.models import Jurisdiction
from requests_app.services import legal_request_add_document
from requests_app.trust import trust_root_add, trust_root_remove
from rules.checks import CHECKS, SIGNATURE_FAILURES
from rules.documents import RuleFileInvalid, validate_rule_document
from rules.facts import DocumentSignature
from rules.risk import SIGNATURE_BROKEN, SIGNATURE_UNCHECKED, SIGNATURE_UNTRUSTED
from rules.services import legal_request_check
from tests.conftest import draft_create, make_pdf
from tests.requests_app.signing_kit import OrderCA, pades_sign
from tests.rules.conftest import fr_facts

signed_order = CHECKS["signed_order"].run
EU_PROCESS = {"process_types": ["production_order", "preservation_order"]}


@pytest.fixture(scope="module")
def judicial_ca() -> OrderCA:
    return OrderCA.create("EU judicial test CA")


def with_signatures(facts, *signatures: DocumentSignature):
    return replace(facts, process_type="production_order", document_signatures=signatures)


# --- the check, pure ------------------------------------------------------------------------------


def test_a_valid_signature_passes():
    finding = signed_order(with_signatures(fr_facts(), DocumentSignature("valid", "pades")), EU_PROCESS)
    assert finding.ok
    assert finding.detail == "The order carries a valid signature (PAdES (inside the PDF))."


@pytest.mark.parametrize("status", ["invalid", "untrusted", "expired"])
def test_a_broken_untrusted_or_expired_signature_fails_even_beside_a_valid_one(status):
    facts = with_signatures(fr_facts(), DocumentSignature("valid", "pades"), DocumentSignature(status, "cades"))
    finding = signed_order(facts, {**EU_PROCESS, "allow_unsigned": True})
    assert not finding.ok
    assert finding.detail == SIGNATURE_FAILURES[status]


def test_unsigned_fails_unless_allowed():
    facts = with_signatures(fr_facts(), DocumentSignature("unsigned"))
    assert not signed_order(facts, EU_PROCESS).ok
    allowed = signed_order(facts, {**EU_PROCESS, "allow_unsigned": True})
    assert allowed.ok
    assert "no digital signature" in allowed.detail


def test_a_rule_requiring_a_qualified_signature_fails_an_ordinary_one():
    params = {**EU_PROCESS, "require": "qualified"}
    assert not signed_order(with_signatures(fr_facts(), DocumentSignature("valid", "cades")), params).ok
    assert signed_order(with_signatures(fr_facts(), DocumentSignature("valid", "cades", qualified=True)), params).ok


def test_a_format_not_accepted_fails():
    params = {**EU_PROCESS, "accept_formats": ["asic"]}
    finding = signed_order(with_signatures(fr_facts(), DocumentSignature("valid", "pades")), params)
    assert not finding.ok
    assert "ASiC" in finding.detail


def test_other_process_types_are_not_concerned():
    facts = replace(fr_facts(), process_type="court_order", document_signatures=(DocumentSignature("invalid"),))
    finding = signed_order(facts, EU_PROCESS)
    assert finding.ok and not finding.applicable


def test_the_schema_accepts_the_check_and_refuses_unknown_params():
    rule = {"id": "x.sig", "check": "signed_order", "severity": "fail", "message": "m", "citation": "c"}
    document = {
        "format": "lawreq-rules/1",
        "rulesets": [
            {
                "scope": "jurisdiction",
                "jurisdiction": "EU",
                "name": "n",
                "effective_from": "2026-08-18",
                "rules": [{**rule, "params": {"require": "valid", "allow_unsigned": True}}],
            }
        ],
    }
    validate_rule_document(document)
    document["rulesets"][0]["rules"][0]["params"] = {"require": "notarised"}
    with pytest.raises(RuleFileInvalid):
        validate_rule_document(document)


# --- with the shipped EU rules, end to end ---------------------------------------------------------


def submitted_with(officer, pdf: bytes, *, process_type: str = "production_order"):
    from workflow.services import do_submit, do_validate

    legal_request = draft_create(officer, with_document=False, process_type=process_type)
    upload = SimpleUploadedFile("order.pdf", pdf)
    legal_request_add_document(legal_request=legal_request, actor=officer, upload=upload)
    with TestCase.captureOnCommitCallbacks(execute=False):
        do_submit(legal_request=legal_request, actor=officer)
    do_validate(legal_request_id=legal_request.pk)
    legal_request.refresh_from_db()
    return legal_request


def outcomes(check_run) -> dict[str, str]:
    return {
        result["rule"]: result["outcome"] for result in check_run.results if result["rule"].startswith("eu.order.s")
    }


@pytest.mark.django_db
def test_a_validly_signed_european_order_passes_both_signature_rules(shipped_rules, officer_b, judicial_ca):
    trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU", certificate=judicial_ca.pem, actor=None
    )

    legal_request = submitted_with(officer_b, pades_sign(make_pdf(), judicial_ca.signer()))

    check_run = legal_request.check_runs.latest("pk")
    assert outcomes(check_run) == {"eu.order.signature": "pass", "eu.order.signed": "pass"}
    assert not {SIGNATURE_BROKEN, SIGNATURE_UNTRUSTED} & {signal["signal"] for signal in check_run.risk_signals}


@pytest.mark.django_db
def test_a_tampered_european_order_fails_and_is_a_forgery_signal(shipped_rules, officer_b, judicial_ca):
    trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU", certificate=judicial_ca.pem, actor=None
    )
    signed = pades_sign(make_pdf(), judicial_ca.signer())
    marker = signed.index(b"ReportLab")

    legal_request = submitted_with(officer_b, signed[:marker] + b"ReportLaX" + signed[marker + 9 :])

    check_run = legal_request.check_runs.latest("pk")
    assert outcomes(check_run)["eu.order.signature"] == "fail"
    assert check_run.recommendation == "reject"
    assert SIGNATURE_BROKEN in [signal["signal"] for signal in check_run.risk_signals]


@pytest.mark.django_db
def test_an_unsigned_european_order_only_warns(shipped_rules, officer_b):
    legal_request = submitted_with(officer_b, make_pdf())

    assert outcomes(legal_request.check_runs.latest("pk")) == {"eu.order.signature": "pass", "eu.order.signed": "warn"}


@pytest.mark.django_db
def test_running_the_checks_again_checks_the_signature_against_the_roots_of_the_day(
    shipped_rules, officer_b, analyst, judicial_ca
):
    legal_request = submitted_with(officer_b, pades_sign(make_pdf(), judicial_ca.signer()))
    first = legal_request.check_runs.latest("pk")
    assert outcomes(first)["eu.order.signature"] == "fail"
    assert SIGNATURE_UNTRUSTED in [signal["signal"] for signal in first.risk_signals]

    root = trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU", certificate=judicial_ca.pem, actor=None
    )
    again = legal_request_check(legal_request=legal_request, actor=analyst)

    assert outcomes(again) == {"eu.order.signature": "pass", "eu.order.signed": "pass"}
    assert legal_request.documents.get().signature_status == SignatureStatus.VALID

    trust_root_remove(root_id=root.pk, actor=None)
    assert outcomes(legal_request_check(legal_request=legal_request, actor=analyst))["eu.order.signature"] == "fail"


@pytest.mark.django_db
def test_outside_the_eu_a_tampered_signed_order_is_a_forgery_signal_without_a_rule(
    shipped_rules, officer_a, judicial_ca
):
    trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="US"), label="US", certificate=judicial_ca.pem, actor=None
    )
    signed = pades_sign(make_pdf(), judicial_ca.signer())
    marker = signed.index(b"ReportLab")

    legal_request = submitted_with(
        officer_a, signed[:marker] + b"ReportLaX" + signed[marker + 9 :], process_type="subpoena"
    )

    check_run = legal_request.check_runs.latest("pk")
    assert not [result for result in check_run.results if result["rule"].startswith("eu.")]
    assert SIGNATURE_BROKEN in [signal["signal"] for signal in check_run.risk_signals]


@pytest.mark.django_db
def test_a_re_run_that_cannot_finish_in_time_keeps_the_last_result(
    shipped_rules, officer_b, analyst, judicial_ca, settings
):
    trust_root_add(
        jurisdiction=Jurisdiction.objects.get(code="EU"), label="EU", certificate=judicial_ca.pem, actor=None
    )
    legal_request = submitted_with(officer_b, pades_sign(make_pdf(), judicial_ca.signer()))
    settings.LAWREQ_SIGNATURE_CHECK_SECONDS = 0

    again = legal_request_check(legal_request=legal_request, actor=analyst)

    assert legal_request.documents.get().signature_status == SignatureStatus.VALID
    assert outcomes(again)["eu.order.signature"] == "pass"


@pytest.mark.django_db
def test_a_signature_that_cannot_be_checked_is_a_risk_signal_and_warns(shipped_rules, officer_b):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.etsi.asic-s+zip")
        archive.writestr("order.pdf", make_pdf())
        archive.writestr("META-INF/signatures.xml", "<XAdESSignatures/>")

    legal_request = submitted_with(officer_b, buffer.getvalue())

    check_run = legal_request.check_runs.latest("pk")
    assert outcomes(check_run) == {"eu.order.signature": "pass", "eu.order.signed": "warn"}
    assert SIGNATURE_UNCHECKED in [signal["signal"] for signal in check_run.risk_signals]
