"""Letters print labels, never the codes the system stores (``court_order``, ``ip_addresses``)."""

from __future__ import annotations

import re

import pytest

from demo.letter_samples import sample_decision, sample_letter_content, sample_rejection_content, sample_target
from letters.content import LetterKind
from letters.rendering import letter_render
from requests_app.choices import AuthorityType, Category, LegalChannel, ProcessType, TargetType
from tests.letters.conftest import pdf_text

VOCABULARIES = (ProcessType, Category, AuthorityType, LegalChannel, TargetType)
# A code that would pass for an English word ("subpoena", "court") is indistinguishable in print.
CODES = sorted({value for vocabulary in VOCABULARIES for value in vocabulary.values if "_" in value})


def letter_text(content) -> str:
    rendered = letter_render(content)
    return re.sub(r"\s+", " ", pdf_text(rendered.pdf, last=rendered.letter_pages))


def every_kind(process_type: str, authority: str, channel: str):
    fields = {"process_type": process_type, "issuing_authority_type": authority, "legal_channel": channel}
    asked = tuple(Category.values)
    profile = sample_target(categories=tuple(Category.values[:3]))
    yield sample_letter_content(decision=sample_decision(targets=(profile,)), asked_categories=asked, **fields)
    nothing_found = sample_decision(targets=(sample_target(found=False),), outcome="no_records")
    yield sample_letter_content(kind=LetterKind.NO_RECORDS, decision=nothing_found, asked_categories=asked, **fields)
    yield sample_rejection_content(asked_categories=asked, **fields)


@pytest.mark.parametrize(
    ("process_type", "authority", "channel"),
    list(zip(ProcessType.values, [*AuthorityType.values] * 2, [*LegalChannel.values] * 3, strict=False)),
)
def test_no_letter_prints_a_code(process_type, authority, channel):
    for content in every_kind(process_type, authority, channel):
        text = letter_text(content)

        assert str(ProcessType(process_type).label) in text
        assert not [code for code in CODES if re.search(rf"\b{code}\b", text)], content.kind


@pytest.mark.django_db
def test_a_partial_disclosure_names_what_it_refuses_in_words(decided_factory, officer_a, account):
    from letters.models import Response
    from vault.crypto import unseal

    # given: message content asked for, which the rules refuse; phone numbers asked for, not proposed
    legal_request = decided_factory(
        officer_a,
        categories=["ip_addresses"],
        request_categories=["content", "ip_addresses", "phone_number"],
        run_task=True,
    )
    response = Response.objects.get(legal_request=legal_request)
    pdf = unseal(bytes(response.pdf_sealed), context=response.seal_context())

    text = re.sub(r"\s+", " ", pdf_text(pdf, last=response.pages))

    assert "Message content" in text and "Phone numbers" in text
    assert not [code for code in CODES if re.search(rf"\b{code}\b", text)]
