"""The three letters, rendered from content built in the test (no database), read back with pdftotext."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader

from demo.letter_samples import (
    sample_decision,
    sample_letter_content,
    sample_rejection_content,
    sample_target,
)
from disclosure.records import RefusedItem
from letters.annex import ROWS_PER_PAGE
from letters.content import LetterKind
from letters.exports import IP_EVENTS_CSV, PHONE_NUMBERS_CSV, RECORDS_JSON
from letters.rendering import (
    ERR_CONTENT_CATEGORY,
    ERR_EVENT_OUTSIDE_PERIOD,
    ERR_RECORDS_FOR_UNKNOWN_ACCOUNT,
    ERR_RECORDS_IN_NEGATIVE_LETTER,
    ERR_RECORDS_OUTSIDE_CATEGORIES,
    LetterContentError,
    letter_render,
)
from subscribers.records import IpEvent, PhonePeriod
from tests.letters.conftest import attachments, pdf_text


def single_spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_disclosure_letter_carries_the_facts_the_records_and_the_signing_function():
    # given
    target = sample_target(events=25)
    content = sample_letter_content(decision=sample_decision(targets=(target,)))

    # when
    rendered = letter_render(content)
    text = single_spaced(pdf_text(rendered.pdf))

    # then
    for expected in (
        "Example Messaging Platform",
        "LR-2026-000042",
        "Springfield Police Department",
        "2026-CR-0042",
        "Court: U.S. District Court, D. Springfield",
        "Subpoena, United States (US)",
        "issued 2026-11-20",
        "Date of receipt 2026-11-20 14:03 UTC",
        "Date of response 2026-11-21 09:30 UTC",
        "ab" * 32,
        "records disclosed",
        "@sample.user",
        "acct-100001",
        "+12025550101",
        "Law Enforcement Response Team",
        "approved by a second, senior reviewer",
        "1 Username @sample.user",
    ):
        assert expected in text, expected
    # the people of the legal team are never named: the letter names the function that answers
    assert "Anna Analyst" not in text and "Rita Reviewer" not in text
    for event in target.ip_events:
        assert event.ip in text
        assert event.ts.strftime("%Y-%m-%d %H:%M:%S") in text
    assert "25 IP events" in text
    assert "partially" not in text


def test_every_page_says_page_x_of_y_over_the_letter_and_its_annex():
    rendered = letter_render(sample_letter_content(events=ROWS_PER_PAGE * 3 + 1))

    assert rendered.annex_pages == 4
    for page in range(1, rendered.pages + 1):
        assert f"Page {page} of {rendered.pages}" in pdf_text(rendered.pdf, first=page, last=page)
    letter = single_spaced(pdf_text(rendered.pdf, last=rendered.letter_pages))
    first_annex = rendered.letter_pages + 1
    assert f"listed in the annex on pages {first_annex} to {rendered.pages}" in letter
    assert "Annex: IP events of target 1" in pdf_text(rendered.pdf, first=first_annex, last=first_annex)


def test_the_records_are_attached_as_csv_and_json_exactly_as_listed():
    target = sample_target(events=120)
    rendered = letter_render(sample_letter_content(decision=sample_decision(targets=(target,))))

    files = attachments(rendered.pdf)
    assert set(files) == {IP_EVENTS_CSV, PHONE_NUMBERS_CSV, RECORDS_JSON}
    rows = list(csv.DictReader(io.StringIO(files[IP_EVENTS_CSV].decode())))
    assert [(r["timestamp_utc"], r["ip"], r["port"]) for r in rows] == [
        (e.ts.strftime("%Y-%m-%dT%H:%M:%SZ"), e.ip, str(e.port)) for e in target.ip_events
    ]
    phones = list(csv.DictReader(io.StringIO(files[PHONE_NUMBERS_CSV].decode())))
    assert [p["number"] for p in phones] == [p.number for p in target.phone_numbers]
    records = json.loads(files[RECORDS_JSON])
    assert records["ref"] == "LR-2026-000042"
    assert len(records["targets"][0]["ip_events"]) == 120
    assert records["targets"][0]["ip_events"][0] == {
        "ts": target.ip_events[0].ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ip": target.ip_events[0].ip,
        "port": target.ip_events[0].port,
    }


def test_a_partial_disclosure_names_what_is_refused_and_why_and_carries_none_of_it():
    # given: phone numbers approved, IP addresses refused
    target = sample_target(events=0, categories=("phone_number",))
    decision = sample_decision(
        targets=(target,),
        outcome="partially_disclosed",
        refused=(RefusedItem(what="IP addresses", reason="A subpoena reaches basic subscriber information only."),),
        reasons=("Scope narrowed to what the process allows.",),
    )

    rendered = letter_render(sample_letter_content(decision=decision))
    text = single_spaced(pdf_text(rendered.pdf))

    assert "records partially disclosed" in text
    assert "What is refused, and why" in text
    assert "IP addresses: A subpoena reaches basic subscriber information only." in text
    assert "Scope narrowed to what the process allows." in text
    assert target.phone_numbers[0].number in text
    assert "Annex" not in text and rendered.annex_pages == 0
    assert IP_EVENTS_CSV not in attachments(rendered.pdf)


def test_a_target_without_an_account_is_answered_without_records():
    found = sample_target(1, events=3)
    missing = sample_target(2, found=False, target_type="phone", target_value="+12025550142")

    text = single_spaced(
        pdf_text(letter_render(sample_letter_content(decision=sample_decision(targets=(found, missing)))).pdf)
    )

    assert "Target 2: Phone number +12025550142" in text
    assert "No account of the platform matches this target" in text


def test_a_no_records_letter_says_so_and_discloses_nothing():
    target = sample_target(events=0, categories=("ip_addresses",))
    target = type(target)(**{**target.__dict__, "phone_numbers": (), "profile": None})
    decision = sample_decision(targets=(target,), outcome="no_records")

    rendered = letter_render(sample_letter_content(kind=LetterKind.NO_RECORDS, decision=decision))
    text = single_spaced(pdf_text(rendered.pdf))

    assert "no records" in text and "No records were found." in text
    assert "Account found, no records in the period" in text
    assert "acct-100001" not in text
    assert attachments(rendered.pdf) == {}


def test_a_rejection_letter_gives_the_failing_rules_their_citations_and_the_reviewers_reasons():
    content = sample_rejection_content()

    rendered = letter_render(content)
    text = single_spaced(pdf_text(rendered.pdf))

    assert "request rejected" in text
    assert "A subpoena cannot compel IP logs beyond basic subscriber information." in text
    assert "18 U.S.C. 2703(c)(2)" in text
    assert "The order does not name a criminal offence." in text
    assert "@sample.user" in text  # what was asked is restated
    assert "Records per target" not in text and attachments(rendered.pdf) == {}


def test_a_ten_thousand_event_disclosure_renders_every_event(settings):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 10_001  # printed (above it, see test_summarised_letters)
    target = sample_target(events=10_000)

    rendered = letter_render(sample_letter_content(decision=sample_decision(targets=(target,))))
    text = pdf_text(rendered.pdf, first=rendered.letter_pages + 1)

    numbered_rows = re.findall(r"^\s*(\d+)\s+2026-\d\d-\d\d \d\d:\d\d:\d\d\s+(\S+)", text, flags=re.MULTILINE)
    assert [int(number) for number, _ in numbered_rows] == list(range(1, 10_001))
    assert [ip for _, ip in numbered_rows] == [event.ip for event in target.ip_events]
    assert rendered.annex_pages == -(-10_000 // ROWS_PER_PAGE)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories": ("phone_number",)}, ERR_RECORDS_OUTSIDE_CATEGORIES.format(target_id=1, what="IP events")),
        (
            {"ip_events": [IpEvent(ts=dt.datetime(2026, 9, 30, 23, 59, 59, tzinfo=dt.UTC), ip="192.0.2.1", port=1)]},
            ERR_EVENT_OUTSIDE_PERIOD.format(target_id=1),
        ),
        (
            {"ip_events": [IpEvent(ts=dt.datetime(2026, 11, 2, 0, 0, tzinfo=dt.UTC), ip="192.0.2.1", port=1)]},
            ERR_EVENT_OUTSIDE_PERIOD.format(target_id=1),
        ),
        ({"found": False}, ERR_RECORDS_FOR_UNKNOWN_ACCOUNT.format(target_id=1)),
        ({"categories": ("ip_addresses", "phone_number", "content")}, ERR_CONTENT_CATEGORY.format(target_id=1)),
    ],
)
def test_a_letter_refuses_records_beyond_the_approval(change, message):
    target = sample_target(events=5)
    target = type(target)(**{**target.__dict__, **change})

    with pytest.raises(LetterContentError, match=re.escape(message)):
        letter_render(sample_letter_content(decision=sample_decision(targets=(target,))))


def test_a_no_records_letter_refuses_to_carry_records():
    decision = sample_decision(targets=(sample_target(events=2),), outcome="no_records")

    with pytest.raises(
        LetterContentError, match=re.escape(ERR_RECORDS_IN_NEGATIVE_LETTER.format(kind="no_records", target_id=1))
    ):
        letter_render(sample_letter_content(kind=LetterKind.NO_RECORDS, decision=decision))


def test_events_on_the_last_approved_day_are_inside_the_period():
    last_second = dt.datetime(2026, 11, 1, 23, 59, 59, tzinfo=dt.UTC)
    target = sample_target(events=0)
    target = type(target)(**{**target.__dict__, "ip_events": [IpEvent(ts=last_second, ip="192.0.2.9", port=None)]})

    text = pdf_text(letter_render(sample_letter_content(decision=sample_decision(targets=(target,)))).pdf)

    assert "2026-11-01 23:59:59" in text and "192.0.2.9" in text


def test_phone_periods_show_current_numbers_as_current():
    target = sample_target(events=0, categories=("phone_number",))
    target = type(target)(
        **{
            **target.__dict__,
            "phone_numbers": (
                PhonePeriod(
                    number="+12025550111",
                    valid_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                    valid_to=dt.datetime(2024, 2, 29, tzinfo=dt.UTC),
                ),
                PhonePeriod(number="+12025550122", valid_from=dt.datetime(2024, 3, 1, tzinfo=dt.UTC), valid_to=None),
            ),
        }
    )

    text = single_spaced(
        pdf_text(letter_render(sample_letter_content(decision=sample_decision(targets=(target,)))).pdf)
    )

    assert "+12025550111 2020-01-01 00:00 UTC 2024-02-29 00:00 UTC" in text
    assert "+12025550122 2024-03-01 00:00 UTC current" in text


def test_the_letter_is_a_pdf_with_title_and_author():
    reader = PdfReader(io.BytesIO(letter_render(sample_letter_content()).pdf))

    assert reader.metadata.title.endswith("(LR-2026-000042)")
    assert reader.metadata.author == "Example Messaging Platform"
