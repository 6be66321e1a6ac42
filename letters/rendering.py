"""Letter rendering: a pure function of a ``LetterContent`` to unsigned PDF bytes.

The letter itself (letterhead, facts, what was asked and answered, refusals, small record tables)
is a Django template laid out by WeasyPrint. The IP events, which may number in the hundreds of
thousands, go to an annex drawn by ReportLab on a fixed grid (letters/annex.py). Both are joined
with pypdf, the records are embedded as CSV and JSON attachments, and the result is signed by
letters.signing.

Page numbers run over the whole document. The annex's page count is known before anything is drawn,
so the letter is laid out with a guess of its own length, and laid out again only when the guess was
wrong (a letter's page count does not depend on the digits of its page numbers, in practice).

A letter whose request asked for it ends with a certificate of authenticity of the records
(letters.certificate) that prints the SHA-256 of each attached export: the exports are therefore made
(or, for a large letter, compressed to files) before the letter is laid out, and the very same bytes
are embedded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import orjson
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
    create_string_object,
)
from weasyprint import HTML

from disclosure.annex_iii import (
    ANNEX_III_SOURCE,
    ANNEX_III_TITLE,
    CLARIFICATION_GROUNDS,
    GROUNDS,
    THIRD_COUNTRY_GROUND,
)
from disclosure.records import DisclosedTarget
from letters.annex import AnnexSection, annex_page_count, annex_render, utc_seconds
from letters.certificate import AuthenticityCertificate, CertifiedFile, certificate_for, certified_file
from letters.content import LetterContent, LetterKind
from letters.exports import Export, ExportSource, records_export_sources
from letters.fetcher import StaticOnlyFetcher
from letters.streaming import exports_compress, pdf_embed_streamed
from requests_app.choices import (
    AuthorityType,
    Category,
    LegalChannel,
    ProcessType,
    TargetType,
    in_sentence,
    label_of,
)
from subscribers.records import PROFILE_FIELD_LABELS, PROFILE_TIMESTAMP_FIELDS

TEMPLATES = {
    LetterKind.DISCLOSURE: "letters/disclosure.html",
    LetterKind.NO_RECORDS: "letters/no_records.html",
    LetterKind.REJECTION: "letters/rejection.html",
    LetterKind.PRESERVATION: "letters/preservation.html",
}
TITLES = {
    LetterKind.DISCLOSURE: gettext_lazy("Response to a request for user data: records disclosed"),
    LetterKind.NO_RECORDS: gettext_lazy("Response to a request for user data: no records"),
    LetterKind.REJECTION: gettext_lazy("Response to a request for user data: request rejected"),
    LetterKind.PRESERVATION: gettext_lazy("Response to a preservation request: data preserved, nothing disclosed"),
}
PARTIAL_TITLE = gettext_lazy("Response to a request for user data: records partially disclosed")
# Section D(a)'s opening, by how the answer falls short.
ANNEX_III_LEADS = {
    "not_executed": gettext_lazy("The %(certificate)s cannot be executed, for the following reasons:"),
    "not_in_full": gettext_lazy("The %(certificate)s cannot be executed in full, for the following reasons:"),
    "not_in_time": gettext_lazy(
        "The %(certificate)s could not be executed within the deadline, for the following reasons:"
    ),
}
# A letter in another language carries its English copy, embedded like the records' exports
# (docs/signing.md): the signature covers it too.
ENGLISH = "en"
ENGLISH_COPY_NAME = "letter-en.pdf"
ENGLISH_COPY_DESCRIPTION = "The same letter in English (the annex included; the signed letter is the authoritative one)"
MAX_LAYOUT_PASSES = 4
EMPTY_VALUE = "—"  # printed for a field on record but empty

ERR_RECORDS_OUTSIDE_CATEGORIES = "Target #{target_id} carries {what}, a category the decision did not approve."
ERR_RECORDS_FOR_UNKNOWN_ACCOUNT = "Target #{target_id} matched no account but carries records."
ERR_EVENT_OUTSIDE_PERIOD = "Target #{target_id} carries an IP event outside its approved period."
ERR_CONTENT_CATEGORY = "Message content is never disclosed; target #{target_id} lists it."
ERR_RECORDS_IN_NEGATIVE_LETTER = "A {kind} letter cannot carry records (target #{target_id} has some)."
ERR_DECISION_MISSING = "A {kind} letter needs the approved decision."


class LetterContentError(ValueError):
    """The content cannot be rendered as it stands: a letter never discloses beyond the approval."""


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    pages: int
    letter_pages: int
    annex_pages: int
    certificate: AuthenticityCertificate | None = None


def letter_render(content: LetterContent) -> RenderedLetter:
    """The letter in its language (the requesting agency's), with its English copy embedded when
    that language is not English; in memory. Above ``LAWREQ_LETTER_INLINE_RECORDS_MAX`` records the
    letter summarises them instead (as ``letter_render_to_file``, which a worker uses then, so as not
    to hold them in memory)."""
    with translation.override(content.language):
        rendered = _letter_render(content, with_exports=True)
    if content.language == ENGLISH:
        return rendered
    with translation.override(ENGLISH):
        english = _letter_render(content, with_exports=False, certificate=rendered.certificate)
    return _with_english_copy(rendered, english.pdf, modified=content.responded_at)


def _with_english_copy(rendered: RenderedLetter, english_pdf: bytes, *, modified: dt.datetime) -> RenderedLetter:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(rendered.pdf)))
    copy = Export(
        name=ENGLISH_COPY_NAME, mime_type="application/pdf", description=ENGLISH_COPY_DESCRIPTION, data=english_pdf
    )
    _embed_file(writer, copy, modified=modified)
    out = io.BytesIO()
    writer.write(out)
    return RenderedLetter(
        pdf=out.getvalue(),
        pages=rendered.pages,
        letter_pages=rendered.letter_pages,
        annex_pages=rendered.annex_pages,
        certificate=rendered.certificate,
    )


def _letter_render(
    content: LetterContent, *, with_exports: bool, certificate: AuthenticityCertificate | None = None
) -> RenderedLetter:
    """``with_exports``: the records are attached, and the certificate (if any) is made from their
    bytes; without, ``certificate`` is the one the attached letter carries (its English copy)."""
    summaries = records_summary(content)
    counts = {target_id: summary.count for target_id, summary in summaries.items()}
    summarised = records_are_summarised(content)
    numbers = target_numbers(content)
    sections = (
        []
        if summarised
        else [
            AnnexSection(
                target_id=t.target_id,
                account_id=t.account_id,
                events=t.ip_events,
                count=counts[t.target_id],
                number=numbers.get(t.target_id, 0),
            )
            for t in content.disclosed_targets
            if counts.get(t.target_id)
        ]
    )
    annex_pages = annex_page_count(sections)
    exports = _exports_for(content) if with_exports else []
    if with_exports:
        # Hashed from the very bytes embedded below, before the letter that prints them is laid out.
        certificate = certificate_for(content, (certified_file(e.name, [e.data]) for e in exports))

    letter_pdf, letter_pages = _render_letter_pages(
        content, counts, annex_pages, [e.name for e in exports], summaries if summarised else None, certificate
    )
    total = letter_pages + annex_pages
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letter_pdf)))
    if sections:
        annex_pdf = annex_render(
            sections=sections,
            ref=content.ref,
            platform_name=content.platform_name,
            first_page=letter_pages + 1,
            total_pages=total,
        )
        writer.append(PdfReader(io.BytesIO(annex_pdf)))
    for export in exports:
        _embed_file(writer, export, modified=content.responded_at)
    _add_metadata(writer, content)
    out = io.BytesIO()
    writer.write(out)
    return RenderedLetter(
        pdf=out.getvalue(), pages=total, letter_pages=letter_pages, annex_pages=annex_pages, certificate=certificate
    )


@dataclass(frozen=True)
class RenderedLetterFile:
    path: Path
    pages: int
    letter_pages: int
    annex_pages: int = 0
    certificate: AuthenticityCertificate | None = None


def letter_render_to_file(content: LetterContent, directory: Path) -> RenderedLetterFile:
    """A summarised letter (see ``records_are_summarised``) written to ``directory``, its records
    streamed into the attachments from temporary files there: memory does not grow with them."""
    summaries = records_summary(content)
    counts = {target_id: summary.count for target_id, summary in summaries.items()}
    # The records are compressed to files first: their SHA-256, taken from the same pass over the bytes
    # that are embedded, is printed in the certificate.
    exports = exports_compress(_export_sources_for(content), directory=directory)
    certificate = certificate_for(
        content, (CertifiedFile(name=e.source.name, size=e.size, sha256=e.sha256) for e in exports)
    )
    names = [e.source.name for e in exports]
    with translation.override(content.language):
        letter_pdf, letter_pages = _render_letter_pages(content, counts, 0, names, summaries, certificate)
    if content.language != ENGLISH:
        with translation.override(ENGLISH):
            english_pdf, _pages = _render_letter_pages(content, counts, 0, [], summaries, certificate)
        english_copy = ExportSource(
            name=ENGLISH_COPY_NAME,
            mime_type="application/pdf",
            description=ENGLISH_COPY_DESCRIPTION,
            chunks=lambda: iter([english_pdf]),
        )
        exports += exports_compress([english_copy], directory=directory, first=len(exports))
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letter_pdf)))
    _add_metadata(writer, content)
    base = io.BytesIO()
    writer.write(base)
    path = directory / "letter.pdf"
    pdf_embed_streamed(base, path, exports, modified=content.responded_at)
    return RenderedLetterFile(path=path, pages=letter_pages, letter_pages=letter_pages, certificate=certificate)


def _add_metadata(writer: PdfWriter, content: LetterContent) -> None:
    writer.add_metadata(
        {
            "/Title": f"{_title(content)} ({content.ref})",
            "/Lang": content.language,
            "/Author": content.platform_name,
            "/Subject": f"{content.ref}: {content.kind}",
        }
    )


def check_records_within_approval(content: LetterContent) -> dict[int, int]:
    """The number of IP events per target, after checking every record lies inside the approval.

    The snapshot is the authority on what is disclosed; this is the last gate before the records
    reach paper, and it refuses rather than silently drops.
    """
    return {target_id: summary.count for target_id, summary in records_summary(content).items()}


@dataclass(frozen=True)
class IpEventSummary:
    """What a summarised letter prints of a target's IP events instead of listing them."""

    count: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    distinct_addresses: int = 0


def records_summary(content: LetterContent) -> dict[int, IpEventSummary]:
    """``check_records_within_approval``, with each found target's IP events summarised in the same
    single pass over them."""
    decision = content.decision
    if decision is None:
        if content.kind != LetterKind.REJECTION:
            raise LetterContentError(ERR_DECISION_MISSING.format(kind=content.kind))
        return {}
    summaries: dict[int, IpEventSummary] = {}
    for target in decision.targets:
        has_records = bool(target.phone_numbers or target.profile or len(target.ip_events))
        if has_records and content.kind != LetterKind.DISCLOSURE:
            raise LetterContentError(
                ERR_RECORDS_IN_NEGATIVE_LETTER.format(kind=content.kind, target_id=target.target_id)
            )
        if "content" in target.categories:
            raise LetterContentError(ERR_CONTENT_CATEGORY.format(target_id=target.target_id))
        if not target.found:
            if has_records:
                raise LetterContentError(ERR_RECORDS_FOR_UNKNOWN_ACCOUNT.format(target_id=target.target_id))
            continue
        _check_category(target, "phone_number", bool(target.phone_numbers), "phone numbers")
        _check_category(target, "subscriber_profile", bool(target.profile), "a subscriber profile")
        _check_category(target, "ip_addresses", bool(len(target.ip_events)), "IP events")
        summaries[target.target_id] = _summarise_events_in_period(target)
    return summaries


def _check_category(target: DisclosedTarget, category: str, present: bool, what: str) -> None:
    if present and category not in target.categories:
        raise LetterContentError(ERR_RECORDS_OUTSIDE_CATEGORIES.format(target_id=target.target_id, what=what))


def _summarise_events_in_period(target: DisclosedTarget) -> IpEventSummary:
    first = dt.datetime.combine(target.date_from, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(target.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    count, earliest, latest, addresses = 0, None, None, set()
    for event in target.ip_events:
        ts = event.ts if event.ts.tzinfo is not None else event.ts.replace(tzinfo=dt.UTC)
        if not first <= ts < end:
            raise LetterContentError(ERR_EVENT_OUTSIDE_PERIOD.format(target_id=target.target_id))
        count += 1
        if earliest is None or ts < earliest:
            earliest = ts
        if latest is None or ts > latest:
            latest = ts
        addresses.add(event.ip)
    return IpEventSummary(count=count, first=earliest, last=latest, distinct_addresses=len(addresses))


def records_are_summarised(content: LetterContent, *, ip_event_counts: dict[int, int] | None = None) -> bool:
    """Whether the letter has more records than it prints (``LAWREQ_LETTER_INLINE_RECORDS_MAX``):
    IP events and phone number periods, counted without decoding them (a snapshot's events know
    their number), or IP events as ``ip_event_counts`` gives them (a preview, which reads none)."""
    if content.kind != LetterKind.DISCLOSURE:
        return False
    found = [t for t in content.disclosed_targets if t.found]
    if ip_event_counts is None:
        ip_event_counts = {t.target_id: len(t.ip_events) for t in found}
    records = sum(ip_event_counts.get(t.target_id, 0) + len(t.phone_numbers) for t in found)
    return records > settings.LAWREQ_LETTER_INLINE_RECORDS_MAX


def _exports_for(content: LetterContent) -> list[Export]:
    return [
        Export(source.name, source.mime_type, source.description, b"".join(source.chunks()))
        for source in _export_sources_for(content)
    ]


def _export_sources_for(content: LetterContent) -> list[ExportSource]:
    if content.kind != LetterKind.DISCLOSURE:
        return []
    targets = tuple(t for t in content.disclosed_targets if t.found)
    return records_export_sources(
        ref=content.ref,
        targets=content.disclosed_targets,
        with_ip_events=any("ip_addresses" in t.categories for t in targets),
        with_phone_numbers=any("phone_number" in t.categories for t in targets),
        numbers=target_numbers(content),
    )


def _render_letter_pages(
    content: LetterContent,
    counts: dict[int, int],
    annex_pages: int,
    attachments: list[str],
    summaries: dict[int, IpEventSummary] | None = None,
    certificate: AuthenticityCertificate | None = None,
) -> tuple[bytes, int]:
    fetcher = StaticOnlyFetcher()
    shape = (*_letter_shape(content), summaries is not None, certificate is not None)
    guess = _page_count_hints.get(shape, 1)
    for _attempt in range(MAX_LAYOUT_PASSES):
        html = render_to_string(
            TEMPLATES[content.kind],
            letter_context(
                content,
                counts=counts,
                letter_pages=guess,
                annex_pages=annex_pages,
                attachments=attachments,
                summaries=summaries,
                certificate=certificate,
            ),
        )
        document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).render()
        if len(document.pages) == guess:
            _page_count_hints[shape] = guess
            return document.write_pdf(), guess
        guess = len(document.pages)
    raise LetterContentError("The letter's page count does not settle.")


PREVIEW_WATERMARK = gettext_lazy("Preview — not signed")


def letter_preview_render(content: LetterContent, *, ip_event_counts: dict[int, int]) -> bytes:
    """The letter as approving would issue it, for the reviewer's eyes only: laid out from the
    counts of IP events (the annex is announced, not drawn), watermarked on every page, and never
    signed (the signature is applied by ``letters.signing`` to issued letters only). In the letter's
    language; the English copy is made when the letter is issued. A letter that will be summarised
    shows its counts, its first and last events and distinct addresses being known only once the
    letter is made."""
    with translation.override(content.language):
        return _letter_preview_render(content, ip_event_counts=ip_event_counts)


def _letter_preview_render(content: LetterContent, *, ip_event_counts: dict[int, int]) -> bytes:
    summaries = None
    if records_are_summarised(content, ip_event_counts=ip_event_counts):
        summaries = {target_id: IpEventSummary(count=count) for target_id, count in ip_event_counts.items()}
        annex_pages = 0
    else:
        annex_pages = sum(AnnexSection(target_id, "", (), n).pages for target_id, n in ip_event_counts.items())
    fetcher = StaticOnlyFetcher()
    guess = 1
    for _attempt in range(MAX_LAYOUT_PASSES):
        context = letter_context(
            content,
            counts=ip_event_counts,
            letter_pages=guess,
            annex_pages=annex_pages,
            attachments=[],
            summaries=summaries,
        )
        context["preview_watermark"] = str(PREVIEW_WATERMARK)
        html = render_to_string(TEMPLATES[content.kind], context)
        document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher).render()
        if len(document.pages) == guess:
            return document.write_pdf()
        guess = len(document.pages)
    raise LetterContentError("The letter's page count does not settle.")


# The page count of the last letter of the same shape: the first layout's guess. Only the time it takes
# depends on it; the output never does (a wrong guess costs one more layout).
_page_count_hints: dict[tuple, int] = {}


def _letter_shape(content: LetterContent) -> tuple:
    decision = content.decision
    return (
        content.kind,
        len(content.asked_targets),
        len(content.documents),
        len(content.failing_rules) + len(content.rejection_reasons),
        len(decision.refused) + len(decision.reasons) if decision else 0,
        content.annex_iii,
        tuple((t.found, t.categories, len(t.phone_numbers), len(t.profile or ())) for t in content.disclosed_targets),
    )


def target_numbers(content: LetterContent) -> dict[int, int]:
    """Targets are numbered 1, 2, ... in the order the request named them: our database ids are
    internal and never printed."""
    return {target.target_id: number for number, target in enumerate(content.asked_targets, start=1)}


def _title(content: LetterContent) -> str:
    if content.annex_iii is not None and content.kind not in (LetterKind.DISCLOSURE, LetterKind.PRESERVATION):
        return _(ANNEX_III_TITLE)
    if content.kind == LetterKind.DISCLOSURE and content.decision and content.decision.outcome == "partially_disclosed":
        return str(PARTIAL_TITLE)
    return str(TITLES[content.kind])


def _in_english() -> bool:
    return translation.get_language() == ENGLISH


def _date(value: dt.date | None) -> str:
    """ISO 8601 in English (the letters' long-standing form, read the same the world over); the
    language's own date format otherwise ('1 décembre 2026', '1. Dezember 2026')."""
    if not value:
        return ""
    return value.isoformat() if _in_english() else formats.date_format(value, "DATE_FORMAT")


def _datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    if _in_english():
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return f"{formats.date_format(value, 'DATE_FORMAT')} {value:%H:%M} UTC"


def _number(value: int) -> str:
    return formats.number_format(value, force_grouping=True)


def _period(date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from and date_to:
        return _("%(start)s to %(end)s") % {"start": _date(date_from), "end": _date(date_to)}
    if date_from:
        return _("from %(start)s") % {"start": _date(date_from)}
    if date_to:
        return _("until %(end)s") % {"end": _date(date_to)}
    return _("(not limited)")


def _profile_rows(profile: dict | None) -> list[tuple[str, str]]:
    """Labels, never keys; timestamps as the rest of the letter prints them; a dash for what is empty."""
    profile = profile or {}
    known = [key for key in PROFILE_FIELD_LABELS if key in profile]
    others = [key for key in profile if key not in PROFILE_FIELD_LABELS]
    return [(_profile_label(key), _profile_value(key, profile[key])) for key in known + others]


def _profile_label(key: str) -> str:
    label = PROFILE_FIELD_LABELS.get(key)
    return _(label) if label else str(key).replace("_", " ").capitalize()


def _profile_value(key: str, value) -> str:
    if value is None or value == "":
        return EMPTY_VALUE
    if key in PROFILE_TIMESTAMP_FIELDS and isinstance(value, str):
        try:
            return _datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return _datetime(value)
    return value if isinstance(value, str) else orjson.dumps(value, default=str).decode()


def letter_context(
    content: LetterContent,
    *,
    counts: dict[int, int],
    letter_pages: int,
    annex_pages: int,
    attachments: list[str],
    summaries: dict[int, IpEventSummary] | None = None,
    certificate: AuthenticityCertificate | None = None,
) -> dict:
    """``summaries``: given for a summarised letter, whose records travel only in its attachments.
    ``certificate``: the certificate of authenticity the letter carries, on a page of its own."""
    decision = content.decision
    next_annex_page = letter_pages + 1
    numbers = target_numbers(content)
    targets = []
    for target in content.disclosed_targets:
        count = counts.get(target.target_id, 0)
        pages = AnnexSection(target.target_id, target.account_id, (), count).pages
        targets.append(
            {
                "number": numbers.get(target.target_id, ""),
                "type_label": label_of(TargetType, target.target_type),
                "display_value": f"@{target.target_value}" if target.target_type == "username" else target.target_value,
                "found": target.found,
                "account_id": target.account_id,
                "category_labels": [label_of(Category, c) for c in target.categories] if target.found else [],
                "period": _period(target.date_from, target.date_to),
                "show_phone_numbers": "phone_number" in target.categories,
                "phone_numbers": [
                    {
                        "number": p.number,
                        "valid_from": _datetime(p.valid_from),
                        "valid_to": _datetime(p.valid_to) or _("current"),
                    }
                    for p in target.phone_numbers
                ],
                "show_profile": "subscriber_profile" in target.categories,
                "profile": _profile_rows(target.profile),
                "show_ip_events": "ip_addresses" in target.categories,
                "ip_event_count": count,
                "ip_event_count_display": _number(count),
                "annex_first_page": next_annex_page,
                "annex_last_page": next_annex_page + pages - 1,
            }
        )
        if summaries is not None:
            targets[-1].update(_summary_context(target, summaries.get(target.target_id, IpEventSummary())))
        next_annex_page += pages
    reasons = list(content.rejection_reasons)
    if decision is not None:
        reasons += [reason for reason in decision.reasons if reason not in reasons]
    return {
        "c": content,
        "title": _title(content),
        "language": translation.get_language(),
        "partial": bool(decision and decision.outcome == "partially_disclosed"),
        "total_pages": letter_pages + annex_pages,
        "authority_type": label_of(AuthorityType, content.issuing_authority_type)
        if content.issuing_authority_type
        else _("Issuing authority"),
        "process_type": label_of(ProcessType, content.process_type),
        "legal_channel": in_sentence(label_of(LegalChannel, content.legal_channel)),
        "issued_at": _date(content.issued_at),
        "received_at": _datetime(content.received_at),
        "responded_at": _datetime(content.responded_at),
        "asked_categories": [label_of(Category, c) for c in content.asked_categories],
        "asked_period": _period(content.asked_date_from, content.asked_date_to),
        "asked_targets": [
            {
                "number": numbers[t.target_id],
                "type_label": label_of(TargetType, t.target_type),
                "display_value": t.display_value,
            }
            for t in content.asked_targets
        ],
        "targets": targets,
        "refused": list(decision.refused) if decision else [],
        "reasons": reasons,
        "failing_rules": list(content.failing_rules),
        "signing_function": content.signing_function,
        "approved_at": _datetime(decision.approved_at) if decision else "",
        "attachments": attachments,
        "summarised": summaries is not None,
        "certificate": _certificate_context(certificate) if certificate else None,
        "annex_iii": _annex_iii_context(content),
        "preserved_until": _datetime(content.preserved_until),
    }


def _certificate_context(certificate: AuthenticityCertificate) -> dict:
    """English figures and ISO dates whatever the letter's language: the certificate is for US courts
    and is written in English only (templates/letters/_certificate.html)."""
    return {
        "custodian": certificate.custodian,
        "declarant": certificate.declarant,
        "declaration": certificate.declaration,
        "declaration_citation": certificate.declaration_citation,
        "platform_name": certificate.platform_name,
        "ref": certificate.ref,
        "executed_on": certificate.executed_on.isoformat(),
        "files": [{"name": f.name, "size": f"{f.size:,}", "sha256": f.sha256} for f in certificate.files],
    }


def _annex_iii_context(content: LetterContent) -> dict | None:
    """Annex III of Regulation (EU) 2023/1543 as the letter prints it: every box of Section D(a), the
    chosen ones ticked, in the letter's language; the enforcing authority when one was notified."""
    answer, order = content.annex_iii, content.european_order
    if answer is None or order is None:
        return None
    outcome = content.decision.outcome if content.decision else ""
    if content.kind not in (LetterKind.DISCLOSURE, LetterKind.PRESERVATION):
        lead = "not_executed"
    elif outcome == "partially_disclosed" or (content.kind == LetterKind.PRESERVATION and content.decision.refused):
        lead = "not_in_full"
    else:
        lead = "not_in_time"
    chosen = set(answer.grounds)
    validating = " ".join(
        part
        for part in (
            label_of(AuthorityType, order.validating_authority_type) if order.validating_authority_type else "",
            order.validating_authority_name,
        )
        if part
    )
    enforcing = ", ".join(part for part in (order.enforcing_authority_name, order.enforcing_state) if part)
    return {
        "source": ANNEX_III_SOURCE,
        "title": _(ANNEX_III_TITLE),
        "certificate": order.certificate,
        "certificate_reference": order.certificate_reference,
        "validating_authority": validating,
        "enforcing_notified": order.enforcing_authority_notified,
        "enforcing_authority": enforcing or _("(not named)"),
        "lead": ANNEX_III_LEADS[lead] % {"certificate": order.certificate},
        "boxes": [
            {"label": _(ground.label), "citation": ground.citation, "ticked": ground.code in chosen}
            for ground in GROUNDS
        ],
        "late": answer.late and lead != "not_in_time",
        "partial": lead == "not_in_full",
        "explanation": answer.explanation,
        "third_country": THIRD_COUNTRY_GROUND in chosen,
        "clarification": bool(CLARIFICATION_GROUNDS & chosen),
    }


def _summary_context(target: DisclosedTarget, summary: IpEventSummary) -> dict:
    periods = target.phone_numbers
    return {
        "summarised": True,
        "ip_first": f"{utc_seconds(summary.first)} UTC" if summary.first else "",
        "ip_last": f"{utc_seconds(summary.last)} UTC" if summary.last else "",
        "ip_distinct_addresses_display": f"{summary.distinct_addresses:,}" if summary.first else "",
        "phone_number_count": len(periods),
        "phone_number_count_display": f"{len(periods):,}",
        "phone_numbers_distinct_display": f"{len({p.number for p in periods}):,}",
        "phone_numbers": [],  # listed in the attachment only
    }


def _embed_file(writer: PdfWriter, export: Export, *, modified: dt.datetime) -> None:
    """Embed ``export`` compressed, listed in the catalog's EmbeddedFiles and AF (PDF/A-3 style)."""
    stream = StreamObject()
    stream.set_data(zlib.compress(export.data, 6))
    stream.update(
        {
            NameObject("/Type"): NameObject("/EmbeddedFile"),
            NameObject("/Subtype"): NameObject("/" + export.mime_type.replace("/", "#2F")),
            NameObject("/Filter"): NameObject("/FlateDecode"),
            NameObject("/Params"): DictionaryObject(
                {
                    NameObject("/Size"): NumberObject(len(export.data)),
                    # The PDF specification's checksum of an embedded file: MD5, not for security.
                    NameObject("/CheckSum"): create_string_object(
                        hashlib.md5(export.data, usedforsecurity=False).digest()
                    ),
                    NameObject("/ModDate"): TextStringObject(_pdf_date(modified)),
                }
            ),
        }
    )
    stream_ref = writer._add_object(stream)  # pypdf has no public way to add an indirect object
    filespec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject(export.name),
            NameObject("/UF"): TextStringObject(export.name),
            NameObject("/Desc"): TextStringObject(export.description),
            NameObject("/AFRelationship"): NameObject("/Data"),
            NameObject("/EF"): DictionaryObject(
                {
                    NameObject("/F"): stream_ref,
                    NameObject("/UF"): stream_ref,
                }
            ),
        }
    )
    filespec_ref = writer._add_object(filespec)
    root = writer.root_object
    names = root.setdefault(NameObject("/Names"), DictionaryObject()).get_object()
    embedded = names.setdefault(NameObject("/EmbeddedFiles"), DictionaryObject()).get_object()
    array = embedded.setdefault(NameObject("/Names"), ArrayObject()).get_object()
    entries = [(str(array[i]), array[i + 1]) for i in range(0, len(array), 2)]
    entries.append((export.name, filespec_ref))
    entries.sort(key=lambda pair: pair[0])
    array.clear()
    for name, ref in entries:
        array.extend([TextStringObject(name), ref])
    root.setdefault(NameObject("/AF"), ArrayObject()).get_object().append(filespec_ref)


def _pdf_date(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC) if value.tzinfo else value
    return value.strftime("D:%Y%m%d%H%M%SZ")
