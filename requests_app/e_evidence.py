"""e-Evidence (Regulation (EU) 2023/1543): the certificate's fields at intake, and the enforcing
authority's window.

An order for traffic data (other than data asked solely to identify the user) or content is notified to
the enforcing authority of the member state where the platform is established (Art. 8). Until 10 days
after receipt it may raise grounds for refusal (Art. 12), and the data is not produced before unless it
confirms earlier that it raises none (Art. 10(2)). In an emergency the data goes within 8 hours and the
enforcing authority may object within 96 hours after notification (Art. 10(4)), so nothing is held back.
The window's length comes from the rules (``rules.selectors.enforcing_window``); the workflow sets it at
each submission. See docs/e-evidence.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_record
from lawreq.errors import Conflict, InvalidInput
from requests_app.choices import (
    AuthorityType,
    Category,
    EnforcingDecision,
    ProcessType,
    RefusalGround,
    label_of,
)
from requests_app.models import Jurisdiction, LegalRequest
from requests_app.selectors import require_legal_staff_on

EU_REGION = "EU"
# Member states the Regulation does not bind: an order cannot be enforced there (Denmark does not take
# part in the Regulation's adoption, recital 98 (check)).
STATES_NOT_BOUND = frozenset({"DK"})
E_EVIDENCE_PROCESS_TYPES = frozenset({ProcessType.PRODUCTION_ORDER, ProcessType.PRESERVATION_ORDER})
# Only a European Production Order is notified to the enforcing authority (Art. 8).
NOTIFIED_PROCESS_TYPES = frozenset({ProcessType.PRODUCTION_ORDER})
# The certificate's fields, as the request stores them, with their empty values.
E_EVIDENCE_FIELDS: Mapping[str, Any] = {
    "certificate_reference": "",
    "ip_purpose": "",
    "validating_authority_type": "",
    "validating_authority_name": "",
    "enforcing_state": "",
    "enforcing_authority_name": "",
    "enforcing_authority_notified": False,
}

ERR_NOT_EU_ORDER = (
    "{fields}: only a European Production or Preservation Order from an EU member state carries these fields."
)
ERR_ENFORCING_STATE = (
    "The enforcing state must be an EU member state bound by Regulation (EU) 2023/1543, other than the issuing "
    "state {issuing}; '{code}' is not."
)
ERR_ENFORCING_STATE_REQUIRED = "Name the enforcing state the order was notified to."
ERR_NOTIFIED_PRESERVATION = (
    "A European Preservation Order is not notified to the enforcing authority: only a European Production Order "
    "is (Regulation (EU) 2023/1543 Art. 8)."
)
ERR_ENFORCING_FROZEN = (
    "The enforcing authority ({state}) was notified of this order as first submitted, and may raise grounds for "
    "refusal within its window (Regulation (EU) 2023/1543 Art. 8, 10(2)): the enforcing authority and whether "
    "the order is an emergency can no longer be changed. Write to the legal team in the conversation if they "
    "are wrong."
)
# Once a notified order was submitted, these say how long the enforcing state may object: an officer's edit
# must not cut that time short (unticking the notification, or ticking emergency, would lift the hold).
FROZEN_ONCE_NOTIFIED = ("enforcing_state", "enforcing_authority_name", "enforcing_authority_notified", "emergency")
ERR_IP_PURPOSE_WITHOUT_IP = "The purpose of an IP request is given only when IP addresses are requested."
ERR_VALIDATING_NAME_WITHOUT_TYPE = "Give the type of the validating authority with its name."
# Who may validate an order issued by another authority: a judge (an investigating judge included), a court or a
# prosecutor (Regulation (EU) 2023/1543 Art. 4(1)(b), 4(2)(b), 4(3)(b), 4(4)(b)); never the police.
VALIDATING_AUTHORITIES = frozenset({AuthorityType.JUDGE, AuthorityType.COURT, AuthorityType.PROSECUTOR})
ERR_VALIDATING_TYPE = (
    "A European order is validated by a judge, an investigating judge, a court or a prosecutor (Regulation (EU) "
    "2023/1543 Art. 4), not by '{type}'."
)

ERR_WINDOW_OPEN = (
    "The enforcing authority ({state}) may raise grounds for refusal until {ends} UTC (Regulation (EU) 2023/1543 "
    "Art. 10(2)): the data cannot be disclosed before then, unless its confirmation that it raises no grounds is "
    "recorded."
)
ERR_GROUNDS_RAISED = (
    "The enforcing authority raised grounds for refusal (Regulation (EU) 2023/1543 Art. 12): the data cannot be "
    "disclosed."
)
ERR_NOT_NOTIFIED = "The request does not say an enforcing authority was notified: it has no decision to record."
ERR_DECISION_RECORDED = "The enforcing authority's decision is already recorded."
ERR_WINDOW_ENDED = (
    "The enforcing authority's window ended at {ends} UTC: grounds for refusal can no longer be raised, and "
    "no confirmation is needed."
)
ERR_GROUNDS_REQUIRED = "Name the grounds for refusal the enforcing authority raised (Art. 12(1))."
ERR_GROUNDS_WITHOUT_REFUSAL = "Grounds are named only when the enforcing authority raises them."


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="minutes") if moment else None


def is_eu_order(*, jurisdiction: Jurisdiction, process_type: str) -> bool:
    """A European Production or Preservation Order from a member state bound by the Regulation (or one of
    its subdivisions): a Danish authority issues none."""
    if process_type not in E_EVIDENCE_PROCESS_TYPES or jurisdiction.country_code in STATES_NOT_BOUND:
        return False
    return Jurisdiction.objects.filter(code=jurisdiction.country_code, parent__code=EU_REGION).exists()


def member_state_codes() -> list[str]:
    """The member states whose authorities issue European orders (those the Regulation binds)."""
    codes = Jurisdiction.objects.filter(parent__code=EU_REGION, is_region=False).values_list("code", flat=True)
    return sorted(code for code in codes if code not in STATES_NOT_BOUND)


def member_state_bound(code: str) -> bool:
    return (
        code not in STATES_NOT_BOUND
        and Jurisdiction.objects.filter(code=code, parent__code=EU_REGION, is_region=False).exists()
    )


def e_evidence_fields_check(*, jurisdiction: Jurisdiction, process_type: str, values: Mapping[str, Any]) -> None:
    """The certificate's fields of a request as it will stand (``values``: every e-Evidence field and the
    categories): refused with a clear message, nothing changed, when they do not fit together."""
    given = [name for name, empty in E_EVIDENCE_FIELDS.items() if values.get(name, empty) != empty]
    if not given:
        return
    if not is_eu_order(jurisdiction=jurisdiction, process_type=process_type):
        raise InvalidInput(ERR_NOT_EU_ORDER.format(fields=", ".join(given)), field=given[0])
    if values.get("ip_purpose") and Category.IP_ADDRESSES not in (values.get("categories") or ()):
        raise InvalidInput(ERR_IP_PURPOSE_WITHOUT_IP, field="ip_purpose")
    if values.get("validating_authority_name") and not values.get("validating_authority_type"):
        raise InvalidInput(ERR_VALIDATING_NAME_WITHOUT_TYPE, field="validating_authority")
    validator = values.get("validating_authority_type") or ""
    if validator and validator not in VALIDATING_AUTHORITIES:
        raise InvalidInput(ERR_VALIDATING_TYPE.format(type=validator[:20]), field="validating_authority")
    state = values.get("enforcing_state") or ""
    if state and (state == jurisdiction.country_code or not member_state_bound(state)):
        raise InvalidInput(
            ERR_ENFORCING_STATE.format(issuing=jurisdiction.country_code, code=state[:10]), field="enforcing_authority"
        )
    if values.get("enforcing_authority_notified"):
        if process_type not in NOTIFIED_PROCESS_TYPES:
            raise InvalidInput(ERR_NOTIFIED_PRESERVATION, field="enforcing_authority")
        if not state:
            raise InvalidInput(ERR_ENFORCING_STATE_REQUIRED, field="enforcing_authority")


def enforcing_fields_frozen_check(*, legal_request: LegalRequest, data: Mapping[str, Any]) -> None:
    """Refuse (400, nothing changed) an edit of a submitted, notified order that would change the enforcing
    authority or the emergency: its window was set at submission and is never shortened."""
    if legal_request.received_at is None or not legal_request.enforcing_authority_notified:
        return
    changed = [name for name in FROZEN_ONCE_NOTIFIED if name in data and data[name] != getattr(legal_request, name)]
    if changed:
        field = "emergency" if changed[0] == "emergency" else "enforcing_authority"
        raise InvalidInput(ERR_ENFORCING_FROZEN.format(state=legal_request.enforcing_state), field=field)


def e_evidence_values(legal_request: LegalRequest | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the certificate's fields and the categories will be once ``data`` is applied to the request."""
    values = {
        name: getattr(legal_request, name) if legal_request else empty for name, empty in E_EVIDENCE_FIELDS.items()
    }
    values["categories"] = legal_request.categories if legal_request else []
    values.update({name: value for name, value in data.items() if name in values})
    return values


def enforcing_window_set(
    *, legal_request: LegalRequest, window: dt.timedelta | None, transmit_after: dt.timedelta = dt.timedelta(0)
) -> None:
    """Record when the enforcing authority's window ends, counted from the first receipt (``window`` from
    the rules; None: no window). Called inside the submission's transaction; a decision already recorded
    keeps the window it was recorded in.

    Once set, the window is never shortened nor cleared: the enforcing state was notified of it, and no later
    edit of the request (its categories, its IP purpose) takes that time away. Outside an emergency the data
    is transmitted at the end of the window (Art. 10(2)), so the request is due ``transmit_after`` later, not
    before: the deadline moves to the window's end plus that time when it was earlier."""
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    if locked.enforcing_decision or locked.received_at is None:
        return
    ends_at = locked.received_at + window if window is not None else None
    current = locked.enforcing_window_ends_at
    if current is not None and (ends_at is None or ends_at < current):
        ends_at = current
    due_at = locked.due_at
    if ends_at is not None and not locked.is_emergency and (due_at is None or due_at < ends_at + transmit_after):
        due_at = ends_at + transmit_after
    if ends_at == current and due_at == locked.due_at:
        return
    locked.enforcing_window_ends_at = ends_at
    locked.due_at = due_at
    locked.save(update_fields=["enforcing_window_ends_at", "due_at", "updated_at"])
    audit_record(
        action=AuditAction.ENFORCING_WINDOW_SET,
        obj=locked,
        request_ref=locked.ref,
        details={
            "enforcing_state": locked.enforcing_state,
            "ends_at": _iso(ends_at),
            "emergency": locked.is_emergency,
            "due_at": _iso(due_at),
        },
    )
    legal_request.enforcing_window_ends_at = ends_at
    legal_request.due_at = due_at


def enforcing_window_open(legal_request: LegalRequest, *, now: dt.datetime | None = None) -> bool:
    ends_at = legal_request.enforcing_window_ends_at
    return ends_at is not None and (now or timezone.now()) < ends_at


def enforcing_decision_recordable(legal_request: LegalRequest, *, now: dt.datetime | None = None) -> bool:
    """The notified enforcing authority's answer can still be recorded: none is yet, and its window (if the
    rules set one) has not ended."""
    if not legal_request.enforcing_authority_notified or legal_request.enforcing_decision:
        return False
    return legal_request.enforcing_window_ends_at is None or enforcing_window_open(legal_request, now=now)


def disclosure_hold_reason(legal_request: LegalRequest, *, now: dt.datetime | None = None) -> str | None:
    """Why the request's data may not be disclosed now because of the enforcing authority, or None."""
    if legal_request.enforcing_decision == EnforcingDecision.GROUNDS_RAISED:
        return ERR_GROUNDS_RAISED
    if (
        legal_request.enforcing_decision == EnforcingDecision.NO_GROUNDS
        or legal_request.is_emergency
        or not enforcing_window_open(legal_request, now=now)
    ):
        return None
    return ERR_WINDOW_OPEN.format(
        state=legal_request.enforcing_state,
        ends=f"{legal_request.enforcing_window_ends_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
    )


def refusal_reasons(legal_request: LegalRequest) -> list[str]:
    """The grounds the enforcing authority raised, as reasons for the requester (English, as the letter's
    reasons are written), one per ground; none unless it raised some."""
    if legal_request.enforcing_decision != EnforcingDecision.GROUNDS_RAISED:
        return []
    return [
        f"The enforcing authority ({legal_request.enforcing_state}) raised a ground for refusal under Article 12 of "
        f"Regulation (EU) 2023/1543: {label_of(RefusalGround, ground, language='en')}."
        for ground in legal_request.enforcing_grounds
    ]


def disclosure_hold_check(legal_request: LegalRequest, *, now: dt.datetime | None = None) -> None:
    """Refuse (409) a disclosure the enforcing authority's window or grounds hold back."""
    reason = disclosure_hold_reason(legal_request, now=now)
    if reason is not None:
        raise Conflict(reason)


@transaction.atomic
def enforcing_decision_record(
    *, legal_request: LegalRequest, actor, decision: str, grounds: Iterable[str] = (), now: dt.datetime | None = None
) -> LegalRequest:
    """The legal team records what the enforcing authority answered within its window: that it raises no
    grounds (the data may go before the window ends) or the grounds it raises (the data may not go)."""
    require_legal_staff_on(legal_request, actor)
    now = now or timezone.now()
    locked = LegalRequest.objects.select_for_update().get(pk=legal_request.pk)
    grounds = sorted(set(grounds))
    if decision not in EnforcingDecision.values:
        raise InvalidInput(f"Unknown decision '{str(decision)[:30]}'.", field="decision")
    if any(ground not in RefusalGround.values for ground in grounds):
        raise InvalidInput("Unknown ground for refusal.", field="grounds")
    if decision == EnforcingDecision.GROUNDS_RAISED and not grounds:
        raise InvalidInput(ERR_GROUNDS_REQUIRED, field="grounds")
    if decision == EnforcingDecision.NO_GROUNDS and grounds:
        raise InvalidInput(ERR_GROUNDS_WITHOUT_REFUSAL, field="grounds")
    if not locked.enforcing_authority_notified:
        raise Conflict(ERR_NOT_NOTIFIED)
    if locked.enforcing_decision:
        raise Conflict(ERR_DECISION_RECORDED)
    # Without a window (the rules do not hold this order back, e.g. data asked solely to identify the user)
    # the notified authority's answer is still recorded: grounds it raises refuse the disclosure all the same.
    if locked.enforcing_window_ends_at is not None and not enforcing_window_open(locked, now=now):
        raise Conflict(
            ERR_WINDOW_ENDED.format(ends=f"{locked.enforcing_window_ends_at.astimezone(dt.UTC):%Y-%m-%d %H:%M}")
        )
    locked.enforcing_decision = decision
    locked.enforcing_decision_at = now
    locked.enforcing_grounds = grounds
    locked.save(update_fields=["enforcing_decision", "enforcing_decision_at", "enforcing_grounds", "updated_at"])
    audit_record(
        action=AuditAction.ENFORCING_DECISION_RECORDED,
        actor=actor,
        obj=locked,
        request_ref=locked.ref,
        details={
            "decision": decision,
            "grounds": grounds,
            "enforcing_state": locked.enforcing_state,
            "window_ends_at": _iso(locked.enforcing_window_ends_at),
        },
    )
    legal_request.refresh_from_db()
    return legal_request
