"""Letters with more records than they print: above ``LAWREQ_LETTER_INLINE_RECORDS_MAX`` the letter
summarises each target's records and they travel only in the attachments, streamed into the signed
PDF from temporary files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import stat

import orjson
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from demo.letter_samples import sample_decision, sample_letter_content, sample_target
from disclosure import codec
from letters import streaming
from letters.exports import IP_EVENTS_CSV, PHONE_NUMBERS_CSV, RECORDS_JSON, iso_utc
from letters.rendering import letter_render, letter_render_to_file
from letters.signing import asn1_certificates, pdf_sign_file, trust_roots
from letters.verification import pdf_signature_check
from subscribers.records import IpEvent
from tests.letters.conftest import OCTOBER_EVENTS, attachments, issued_pdf_of, pdf_text, pdfsig
from tests.letters.test_verification import verify_command
from workflow.services import do_issue_response

pytestmark = pytest.mark.django_db

# The approved request of the letter fixtures names one account twice (a username and its phone
# number): 3 IP events and 1 phone number period for each target.
APPROVED_RECORDS = 8
PHONE_NUMBER = "+12025550199"


def issue(approved_request) -> bytes:
    response = do_issue_response(legal_request_id=approved_request.pk)
    assert response.status == "stored"
    return issued_pdf_of(response)


def test_at_the_threshold_the_letter_prints_its_records(settings, approved_request):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = APPROVED_RECORDS

    text = pdf_text(issue(approved_request))

    for _ts, ip, _port in OCTOBER_EVENTS:
        assert ip in text
    assert PHONE_NUMBER in text
    assert "Annex: IP events" in text and "too many to print" not in text


def test_above_the_threshold_the_letter_prints_a_summary_and_no_record(settings, approved_request):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = APPROVED_RECORDS - 1

    pdf = issue(approved_request)

    text = pdf_text(pdf)
    for _ts, ip, _port in OCTOBER_EVENTS:
        assert ip not in text
    records_section = text.split("Records per target", 1)[1]
    # the phone number the request named is printed as that target's name, never as a record
    assert [line.strip() for line in records_section.splitlines() if PHONE_NUMBER in line] == [
        f"Target 2: Phone number {PHONE_NUMBER}"
    ]
    assert "Annex: IP events" not in text
    assert "too many to print" in text
    assert "Distinct addresses" in text
    assert "2026-10-05 08:15:00 UTC" in text and "2026-10-19 06:05:59 UTC" in text  # first and last
    assert "1 phone number period" in text


def test_above_the_threshold_the_attachments_hold_exactly_the_disclosed_records(settings, approved_request):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1

    files = attachments(issue(approved_request))

    assert set(files) == {IP_EVENTS_CSV, PHONE_NUMBERS_CSV, RECORDS_JSON}
    rows = list(csv.DictReader(io.StringIO(files[IP_EVENTS_CSV].decode())))
    expected = [(f"{ts.replace(' ', 'T')}Z", ip, "" if port is None else str(port)) for ts, ip, port in OCTOBER_EVENTS]
    assert [(row["target"], row["timestamp_utc"], row["ip"], row["port"]) for row in rows] == [
        (target, *event) for target in ("1", "2") for event in expected
    ]
    assert {row["account_id"] for row in rows} == {"acc-1"}
    phones = list(csv.DictReader(io.StringIO(files[PHONE_NUMBERS_CSV].decode())))
    assert [row["number"] for row in phones] == [PHONE_NUMBER, PHONE_NUMBER]
    records = orjson.loads(files[RECORDS_JSON])
    assert records["ref"] == approved_request.ref
    for target in records["targets"]:
        events = [(e["ts"], e["ip"], e["port"]) for e in target["ip_events"]]
        assert events == [(f"{ts.replace(' ', 'T')}Z", ip, port) for ts, ip, port in OCTOBER_EVENTS]


def test_a_summarised_letter_verifies_with_pyhanko_pdfsig_and_verify_response(settings, approved_request, tmp_path):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1

    pdf = issue(approved_request)

    assert pdf_signature_check(pdf).ok
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=asn1_certificates(trust_roots()), allow_fetching=False)
    )
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    report = pdfsig(pdf, tmp_path)
    assert "Signature is Valid." in report and "Total document signed" in report
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    code, out = verify_command(path)
    assert code == 0 and approved_request.ref in out


def test_the_temporary_files_are_private_and_removed(settings, approved_request, monkeypatch, tmp_path):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1
    settings.LAWREQ_LETTER_WORK_DIR = tmp_path / "work"
    seen = []
    compress = streaming.export_compress

    def spy(source, path):
        done = compress(source, path)
        seen.append((stat.S_IMODE(os.stat(path).st_mode), stat.S_IMODE(os.stat(path.parent).st_mode)))
        return done

    monkeypatch.setattr(streaming, "export_compress", spy)

    issue(approved_request)

    assert seen == [(0o600, 0o700)] * 3
    assert list((tmp_path / "work").iterdir()) == []


def test_a_failed_summarised_letter_leaves_no_temporary_file(settings, approved_request, tmp_path, monkeypatch):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 1
    settings.LAWREQ_LETTER_WORK_DIR = tmp_path / "work"

    def broken(*args, **kwargs):
        raise ValueError("the signer broke")

    monkeypatch.setattr("letters.services.pdf_sign_file", broken)

    with pytest.raises(Exception):
        do_issue_response(legal_request_id=approved_request.pk)

    assert list((tmp_path / "work").iterdir()) == []


# Without a database: many events, from a snapshot's plaintext decoded lazily as the worker reads it.

MANY = 12_345


def lazy_sample(events: int):
    target = sample_target(events=events)
    encoded = codec.encode_ip_events(target.ip_events)
    lazy = codec.LazyIpEvents(encoded)
    return target, sample_letter_content(decision=sample_decision(targets=(_with_events(target, lazy),)))


def _with_events(target, events):
    from dataclasses import replace

    return replace(target, ip_events=events)


def test_many_events_stream_into_the_attachments_unchanged(settings, tmp_path):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 5_000
    target, content = lazy_sample(MANY)
    (tmp_path / "work").mkdir()

    rendered = letter_render_to_file(content, tmp_path / "work")
    pdf_sign_file(rendered.path, tmp_path / "signed.pdf", reason="test")

    pdf = (tmp_path / "signed.pdf").read_bytes()
    assert pdf_signature_check(pdf).ok
    assert rendered.pages == rendered.letter_pages <= 3
    files = attachments(pdf)
    rows = list(csv.reader(io.StringIO(files[IP_EVENTS_CSV].decode())))[1:]
    assert [(ts, ip, port) for _n, _a, ts, ip, port in rows] == [
        (iso_utc(e.ts), e.ip, "" if e.port is None else str(e.port)) for e in target.ip_events
    ]
    events = orjson.loads(files[RECORDS_JSON])["targets"][0]["ip_events"]
    assert events == [{"ts": iso_utc(e.ts), "ip": e.ip, "port": e.port} for e in target.ip_events]
    text = pdf_text(pdf)
    assert f"{MANY:,}" in text
    assert not any(e.ip in text for e in target.ip_events[:50])


def test_in_memory_and_streamed_letters_print_the_same_summary(settings, tmp_path):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = 100
    _target, content = lazy_sample(500)

    in_memory = letter_render(content)
    streamed = letter_render_to_file(content, tmp_path)

    assert in_memory.annex_pages == 0
    assert pdf_text(in_memory.pdf) == pdf_text(streamed.path.read_bytes())
    assert attachments(in_memory.pdf) == attachments(streamed.path.read_bytes())


@pytest.mark.parametrize("count", [0, 1, 2, 7, 100])
@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_snapshot_events_decode_lazily_in_batches_as_they_were_encoded(count, batch):
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    events = [
        IpEvent(
            ts=start + dt.timedelta(seconds=n),
            ip=f"2001:db8::{n:x}" if n % 2 else f"192.0.2.{n % 250}",
            port=None if n % 3 else n,
        )
        for n in range(count)
    ]
    encoded = codec.encode_ip_events(events)

    assert list(codec.iter_ip_events(encoded, batch=batch)) == events
    lazy = codec.LazyIpEvents(encoded)
    assert len(lazy) == count and bool(lazy) == bool(count) and lazy == events


def test_ten_thousand_events_at_the_default_threshold_travel_only_in_the_attachments(
    settings, decided_factory, officer_a, make_account
):
    assert settings.LAWREQ_LETTER_INLINE_RECORDS_MAX < 10_000
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    events = [
        ((start + dt.timedelta(seconds=240 * i)).strftime("%Y-%m-%d %H:%M:%S"), f"198.51.100.{i % 250}", 1024 + i)
        for i in range(10_000)
    ]
    make_account("acc-1", username="someone", phone="+12025550199", events=events)

    legal_request = decided_factory(
        officer_a, categories=("ip_addresses",), run_task=True, targets=[{"type": "username", "value": "@someone"}]
    )

    pdf = issued_pdf_of(legal_request.response)
    assert pdf_signature_check(pdf).ok
    text = pdf_text(pdf)
    assert "10,000" in text and "Distinct addresses" in text and "250" in text
    assert "198.51.100." not in text
    rows = list(csv.DictReader(io.StringIO(attachments(pdf)[IP_EVENTS_CSV].decode())))
    assert [(r["timestamp_utc"], r["ip"], int(r["port"])) for r in rows] == [
        (f"{ts.replace(' ', 'T')}Z", ip, port) for ts, ip, port in events
    ]


def test_a_summarised_letter_is_in_the_agencys_language_with_its_english_copy(settings, approved_request):
    settings.LAWREQ_LETTER_INLINE_RECORDS_MAX = APPROVED_RECORDS - 1
    agency = approved_request.agency
    agency.language = "fr"
    agency.save(update_fields=["language"])

    pdf = issue(approved_request)

    text = pdf_text(pdf)
    assert "Adresses distinctes" in text and "Distinct addresses" not in text
    files = attachments(pdf)
    assert {"letter-en.pdf", IP_EVENTS_CSV, RECORDS_JSON} <= set(files)
    english = pdf_text(files["letter-en.pdf"])
    assert "Distinct addresses" in english and "too many to print" in english
