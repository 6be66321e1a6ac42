"""The answer in the form of Annex III of Regulation (EU) 2023/1543: "information on the inability to
execute an EPOC or an EPOC-PR".

When the platform cannot comply with a European Production Order (EPOC) or a European Preservation
Order (EPOC-PR) of an EU jurisdiction, or cannot comply fully or in time, it tells the issuing
authority why on that form (Art. 10(5)-(8), 11(4)-(6), 17). Here are the form's boxes of Section D
(the reasons), each with the article it rests on; the analyst ticks them in the proposal, the
reviewer sees them, the letter prints the form. What was checked against the Regulation's text, and
what is marked "(check)", is in docs/e-evidence-annex-iii.md.

The labels are English, translated where they are printed (letters, pages); the citations are
printed as they stand, as the rules' citations are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from lawreq.errors import InvalidInput
from requests_app.choices import ProcessType
from requests_app.e_evidence import is_eu_order
from requests_app.models import LegalRequest

# The certificate each process type answers to (Annex I: EPOC, Annex II: EPOC-PR).
CERTIFICATES = {ProcessType.PRODUCTION_ORDER: "EPOC", ProcessType.PRESERVATION_ORDER: "EPOC-PR"}
EPOC = "EPOC"
MAX_GROUNDS = 20

ANNEX_III_TITLE = gettext_noop("Information on the inability to execute an EPOC or an EPOC-PR")
ANNEX_III_SOURCE = "Regulation (EU) 2023/1543, Annex III"


@dataclass(frozen=True)
class AnnexIIIGround:
    """One box of Section D(a) of Annex III."""

    code: str  # the API's word for the box; never printed
    box: int  # its place in Section D(a), 1-based, as the form lists the boxes
    label: str  # English, translated where printed
    citation: str
    epoc_only: bool = False  # a box the form offers for an EPOC and not for an EPOC-PR
    needs_explanation: bool = False  # Section D(b) (or E) must say more


GROUNDS: tuple[AnnexIIIGround, ...] = (
    AnnexIIIGround("incomplete", 1, gettext_noop("It is incomplete."), "Regulation (EU) 2023/1543 Art. 10(6), 11(4)"),
    AnnexIIIGround(
        "manifest_errors",
        2,
        gettext_noop("It contains manifest errors."),
        "Regulation (EU) 2023/1543 Art. 10(6), 11(4)",
    ),
    AnnexIIIGround(
        "insufficient_information",
        3,
        gettext_noop("It does not contain sufficient information to execute it."),
        "Regulation (EU) 2023/1543 Art. 10(6), 11(4)",
    ),
    AnnexIIIGround(
        "data_not_stored",
        4,
        gettext_noop(
            "It does not concern data stored by or on behalf of the service provider at the time of receipt "
            "(for instance, the person is not a user of the service, or the data were deleted before receipt)."
        ),
        "Regulation (EU) 2023/1543 Art. 10(7), 11(5)",
    ),
    AnnexIIIGround(
        "de_facto_impossibility",
        5,
        gettext_noop(
            "Other reasons of de facto impossibility, due to circumstances not attributable to the addressee or "
            "the service provider (for instance, force majeure)."
        ),
        "Regulation (EU) 2023/1543 Art. 10(7), 11(5)",
        needs_explanation=True,
    ),
    AnnexIIIGround(
        "authority_not_competent",
        6,
        gettext_noop("It has not been issued or validated by an issuing authority as specified in Article 4."),
        "Regulation (EU) 2023/1543 Art. 4; Art. 10(8), 11(6) (check)",
    ),
    AnnexIIIGround(
        "offence_not_covered",
        7,
        gettext_noop("It was issued for an offence not provided for by Article 5(4)."),
        "Regulation (EU) 2023/1543 Art. 5(4); Art. 10(8) (check)",
        epoc_only=True,
    ),
    AnnexIIIGround(
        "service_not_covered",
        8,
        gettext_noop("The service is not covered by the Regulation."),
        "Regulation (EU) 2023/1543 Art. 2, 3(3); Art. 10(8), 11(6) (check)",
    ),
    AnnexIIIGround(
        "immunities_or_press_freedom",
        9,
        gettext_noop(
            "It concerns data protected by immunities or privileges under the law of the enforcing State, or by "
            "rules on the determination or limitation of criminal liability relating to freedom of the press or "
            "freedom of expression in other media."
        ),
        "Regulation (EU) 2023/1543 Art. 10(5)",
        epoc_only=True,
        needs_explanation=True,
    ),
    AnnexIIIGround(
        "third_country_conflict",
        10,
        gettext_noop(
            "Compliance would conflict with the applicable law of a third country prohibiting disclosure of the "
            "data concerned (see Section E)."
        ),
        "Regulation (EU) 2023/1543 Art. 17",
        epoc_only=True,
        needs_explanation=True,
    ),
    AnnexIIIGround(
        "other_reasons",
        11,
        gettext_noop("Other reasons, explained in Section D(b)."),
        "Regulation (EU) 2023/1543 Art. 10(8), 11(6)",
        needs_explanation=True,
    ),
)
GROUNDS_BY_CODE = {ground.code: ground for ground in GROUNDS}
GROUND_CODES = tuple(GROUNDS_BY_CODE)
# The grounds that ask the issuing authority to correct or complete the certificate (Section F).
CLARIFICATION_GROUNDS = frozenset({"incomplete", "manifest_errors", "insufficient_information"})
THIRD_COUNTRY_GROUND = "third_country_conflict"

ERR_GROUNDS_REQUIRED = (
    "This answer to a European order ({certificate}) does not comply fully or in time: choose the grounds "
    "of Annex III of Regulation (EU) 2023/1543 ('annex_iii_grounds') to tell the issuing authority why."
)
ERR_GROUNDS_NOT_APPLICABLE = (
    "Annex III grounds are for an answer to a European Production or Preservation Order (EPOC, EPOC-PR) of an "
    "EU jurisdiction that does not comply fully or in time; this answer is not one: remove them."
)
ERR_GROUND_UNKNOWN = "'{code}' is not a ground of Annex III. Choose among: {codes}."
ERR_GROUND_EPOC_ONLY = "'{code}' is a ground for a European Production Order (EPOC) only, not for an {certificate}."
ERR_GROUND_DUPLICATE = "'{code}' is given twice."
ERR_EXPLANATION_REQUIRED = (
    "The ground '{code}' needs an explanation for the issuing authority ('annex_iii_explanation'): it is printed "
    "in Section D(b) of Annex III."
)
ERR_GROUNDS_FORMAT = "A list of at most {max} ground codes."


def certificate_of(legal_request: LegalRequest) -> str:
    """``EPOC`` or ``EPOC-PR`` for a European order of an EU jurisdiction, else ``""``."""
    certificate = CERTIFICATES.get(legal_request.process_type, "")
    if certificate and is_eu_order(jurisdiction=legal_request.jurisdiction, process_type=legal_request.process_type):
        return certificate
    return ""


def annex_iii_validate(*, legal_request: LegalRequest, grounds: Sequence[str], explanation: str) -> tuple[str, ...]:
    """The grounds as given, checked: known codes, once each, fit for the certificate, with the
    explanation the boxes that need one require. Raises ``InvalidInput`` (400)."""
    certificate = certificate_of(legal_request)
    if not isinstance(grounds, list | tuple) or len(grounds) > MAX_GROUNDS:
        raise InvalidInput(ERR_GROUNDS_FORMAT.format(max=MAX_GROUNDS), field="annex_iii_grounds")
    seen: list[str] = []
    for code in grounds:
        ground = GROUNDS_BY_CODE.get(code) if isinstance(code, str) else None
        if ground is None:
            raise InvalidInput(
                ERR_GROUND_UNKNOWN.format(code=str(code)[:40], codes=", ".join(GROUND_CODES)), field="annex_iii_grounds"
            )
        if code in seen:
            raise InvalidInput(ERR_GROUND_DUPLICATE.format(code=code), field="annex_iii_grounds")
        if ground.epoc_only and certificate and certificate != EPOC:
            raise InvalidInput(
                ERR_GROUND_EPOC_ONLY.format(code=code, certificate=certificate), field="annex_iii_grounds"
            )
        if ground.needs_explanation and not explanation:
            raise InvalidInput(ERR_EXPLANATION_REQUIRED.format(code=code), field="annex_iii_explanation")
        seen.append(code)
    return tuple(sorted(seen, key=lambda code: GROUNDS_BY_CODE[code].box))


def grounds_of(codes: Sequence[str]) -> tuple[AnnexIIIGround, ...]:
    """The boxes of stored codes, in the form's order (unknown codes, which validation never lets in, skipped)."""
    return tuple(sorted((GROUNDS_BY_CODE[c] for c in codes if c in GROUNDS_BY_CODE), key=lambda g: g.box))
