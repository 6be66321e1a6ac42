"""Write services of the platform data: import, synthetic generation, target resolution, holds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import phonenumbers
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from audit.actions import AuditAction
from audit.services import audit_hash_identifier, audit_record
from lawreq.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from lawreq.roles import is_legal_staff
from requests_app.choices import ProcessType, Resolution, TargetType
from requests_app.models import LegalRequest, Officer, OfficerStatus, Target
from requests_app.selectors import require_legal_staff_on
from requests_app.targets import normalize_phone
from rules.selectors import preservation_period
from subscribers.bulk import NewAccount, accounts_insert
from subscribers.models import Account, PreservationHold
from subscribers.providers import get_provider
from subscribers.selectors import holds_in_force

Progress = Callable[[int], None]

ERR_JSON = "not valid JSON"
ERR_NOT_OBJECT = "a line must be one JSON object"
ERR_REQUIRED = "is required"
ERR_STRING = "must be a non-empty string of at most {max} characters"
ERR_PHONE = "must be a phone number in E.164 format (+ and digits)"
ERR_DATETIME = "must be an ISO 8601 date and time with a UTC offset"
ERR_IP = "must be an IPv4 or IPv6 address"
ERR_PORT = "must be an integer from 0 to 65535, or null"
ERR_LIST = "must be a list"
ERR_DUPLICATE_IN_FILE = "repeats line {line}"
ERR_EXISTS = "already exists"
ERR_UNKNOWN_FIELD = "is not a known field"
ERR_PERIOD = "must be later than valid_from"
ERR_HOLD_NOT_PRESERVATION = "Only a preservation order places a hold."
ERR_HOLD_ALREADY_EXTENDED = "This preservation has already been extended once."
ERR_HOLD_NONE = "This request has no active preservation hold."
ERR_HOLD_ROLE = "Only the legal team or the requesting agency's officers can extend a preservation."

MAX_IMPORT_ERRORS = 20
IMPORT_BATCH_ACCOUNTS = 2000
IMPORT_BATCH_EVENTS = 20_000  # a batch also ends here, so a few very active accounts stay small in memory
_LINE_FIELDS = frozenset(
    {"account_id", "username", "phone", "registered_at", "ip_events", "display_name", "email", "phone_history"}
)


# Import


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class SubscriberImportError(InvalidInput):
    """The file is refused as a whole; ``errors`` names each bad line and field (at most 20)."""

    def __init__(self, errors: list[LineError]):
        self.errors = errors
        super().__init__("; ".join(str(error) for error in errors), field="file")


@dataclass(frozen=True, kw_only=True)
class ParsedAccount(NewAccount):
    line: int


@dataclass(frozen=True)
class ImportResult:
    accounts: int
    phone_periods: int
    ip_events: int
    sha256: str


class _LineInvalid(Exception):
    def __init__(self, field_name: str, message: str):
        self.field_name = field_name
        self.message = message


def _string(obj: dict, key: str, *, max_length: int, required: bool = True) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if value is None:
        raise _LineInvalid(key, ERR_REQUIRED)
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length or "\x00" in value:
        raise _LineInvalid(key, ERR_STRING.format(max=max_length))
    return value.strip()


def _timestamp(value, field_name: str) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise _LineInvalid(field_name, ERR_DATETIME)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise _LineInvalid(field_name, ERR_DATETIME)
    if parsed.tzinfo is None:
        raise _LineInvalid(field_name, ERR_DATETIME)
    return parsed.astimezone(dt.UTC)


def _e164(value, field_name: str) -> str:
    if not isinstance(value, str) or not value.startswith("+") or len(value) > 20:
        raise _LineInvalid(field_name, ERR_PHONE)
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise _LineInvalid(field_name, ERR_PHONE)
    if not phonenumbers.is_possible_number(number):
        raise _LineInvalid(field_name, ERR_PHONE)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if formatted != value:
        raise _LineInvalid(field_name, ERR_PHONE)
    return formatted


def _parse_event(event, index: int) -> tuple[dt.datetime, str, int | None]:
    path = f"ip_events[{index}]"
    if not isinstance(event, dict):
        raise _LineInvalid(path, ERR_NOT_OBJECT)
    unknown = set(event) - {"ts", "ip", "port"}
    if unknown:
        raise _LineInvalid(f"{path}.{sorted(unknown)[0][:40]}", ERR_UNKNOWN_FIELD)
    if "ts" not in event:
        raise _LineInvalid(f"{path}.ts", ERR_REQUIRED)
    ts = _timestamp(event["ts"], f"{path}.ts")
    raw_ip = event.get("ip")
    if not isinstance(raw_ip, str) or len(raw_ip) > 45:
        raise _LineInvalid(f"{path}.ip", ERR_IP)
    try:
        ip = ipaddress.ip_address(raw_ip).compressed
    except ValueError:
        raise _LineInvalid(f"{path}.ip", ERR_IP)
    port = event.get("port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535):
        raise _LineInvalid(f"{path}.port", ERR_PORT)
    return ts, ip, port


def parse_subscriber_line(raw: bytes, line: int) -> ParsedAccount:
    """One line of an import file, checked field by field; raises ``_LineInvalid``."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _LineInvalid("line", ERR_JSON)
    if not isinstance(obj, dict):
        raise _LineInvalid("line", ERR_NOT_OBJECT)
    unknown = set(obj) - _LINE_FIELDS
    if unknown:
        raise _LineInvalid(sorted(unknown)[0][:40], ERR_UNKNOWN_FIELD)
    account_id = _string(obj, "account_id", max_length=100)
    username = _string(obj, "username", max_length=64).removeprefix("@")
    phone_value = obj.get("phone")
    phone = "" if phone_value in (None, "") else _e164(phone_value, "phone")
    if "registered_at" not in obj:
        raise _LineInvalid("registered_at", ERR_REQUIRED)
    registered_at = _timestamp(obj["registered_at"], "registered_at")
    display_name = _string(obj, "display_name", max_length=200, required=False)
    email = _string(obj, "email", max_length=254, required=False)

    history_raw = obj.get("phone_history") or []
    if not isinstance(history_raw, list):
        raise _LineInvalid("phone_history", ERR_LIST)
    history = []
    for index, period in enumerate(history_raw):
        path = f"phone_history[{index}]"
        if not isinstance(period, dict):
            raise _LineInvalid(path, ERR_NOT_OBJECT)
        number = _e164(period.get("number"), f"{path}.number")
        valid_from = _timestamp(period.get("valid_from"), f"{path}.valid_from")
        valid_to = None if period.get("valid_to") is None else _timestamp(period["valid_to"], f"{path}.valid_to")
        if valid_to is not None and valid_to <= valid_from:
            raise _LineInvalid(f"{path}.valid_to", ERR_PERIOD)
        history.append((number, valid_from, valid_to))
    if phone and not history:
        # Without a history, the current number is taken to be held since registration.
        history.append((phone, registered_at, None))

    events_raw = obj.get("ip_events", [])
    if not isinstance(events_raw, list):
        raise _LineInvalid("ip_events", ERR_LIST)
    events = [_parse_event(event, index) for index, event in enumerate(events_raw)]
    return ParsedAccount(
        line=line,
        account_id=account_id,
        username=username,
        phone=phone,
        registered_at=registered_at,
        display_name=display_name,
        email=email,
        phone_history=history,
        ip_events=events,
    )


def _iter_lines(path: Path, progress: Progress | None) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of every non-blank line, read line by line."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if progress is not None:
                progress(len(raw))
            if raw.strip():
                yield number, raw


def subscribers_validate_file(*, path: Path, progress: Progress | None = None) -> str:
    """First pass: every line checked, including against accounts already stored.

    Returns the file's SHA-256; raises ``SubscriberImportError`` naming the bad lines.
    """
    errors: list[LineError] = []
    seen_ids: dict[str, int] = {}
    seen_usernames: dict[str, int] = {}
    pending: list[ParsedAccount] = []
    digest = hashlib.sha256()

    def check_stored(batch: list[ParsedAccount]) -> None:
        ids = {account.account_id: account.line for account in batch}
        usernames = {account.username.lower(): account.line for account in batch}
        for account_id in Account.objects.filter(account_id__in=ids).values_list("account_id", flat=True):
            errors.append(LineError(ids[account_id], "account_id", ERR_EXISTS))
        stored_usernames = (
            Account.objects.alias(username_lower=Lower("username"))
            .filter(username_lower__in=usernames)
            .values_list("username", flat=True)
        )
        for username in stored_usernames:
            errors.append(LineError(usernames[username.lower()], "username", ERR_EXISTS))

    for line, raw in _iter_lines(path, progress):
        digest.update(raw)
        try:
            account = parse_subscriber_line(raw, line)
        except _LineInvalid as invalid:
            errors.append(LineError(line, invalid.field_name, invalid.message))
        else:
            if account.account_id in seen_ids:
                first = seen_ids[account.account_id]
                errors.append(LineError(line, "account_id", ERR_DUPLICATE_IN_FILE.format(line=first)))
            elif account.username.lower() in seen_usernames:
                first = seen_usernames[account.username.lower()]
                errors.append(LineError(line, "username", ERR_DUPLICATE_IN_FILE.format(line=first)))
            else:
                seen_ids[account.account_id] = line
                seen_usernames[account.username.lower()] = line
                # Only the key fields are kept; events are dropped as soon as they are checked.
                pending.append(dataclasses.replace(account, ip_events=()))
        if len(pending) >= IMPORT_BATCH_ACCOUNTS:
            check_stored(pending)
            pending = []
        if len(errors) >= MAX_IMPORT_ERRORS:
            break
    if pending and len(errors) < MAX_IMPORT_ERRORS:
        check_stored(pending)
    if errors:
        errors.sort(key=lambda error: error.line)
        raise SubscriberImportError(errors[:MAX_IMPORT_ERRORS])
    return digest.hexdigest()


def subscribers_import(*, path: Path, actor=None, progress: Progress | None = None) -> ImportResult:
    """Validate the whole file, then load it in one transaction: all of it or nothing.

    Both passes stream the file; memory holds one batch of accounts at a time (plus the ids and
    usernames seen, to refuse duplicates within the file).
    """
    sha256 = subscribers_validate_file(path=path, progress=progress)
    accounts = periods = events = 0
    with transaction.atomic():
        batch: list[ParsedAccount] = []
        batch_events = 0
        for line, raw in _iter_lines(path, progress):
            parsed = parse_subscriber_line(raw, line)
            batch.append(parsed)
            batch_events += len(parsed.ip_events)
            if len(batch) >= IMPORT_BATCH_ACCOUNTS or batch_events >= IMPORT_BATCH_EVENTS:
                added_periods, added_events = accounts_insert(batch)
                accounts, periods, events = accounts + len(batch), periods + added_periods, events + added_events
                batch, batch_events = [], 0
        if batch:
            added_periods, added_events = accounts_insert(batch)
            accounts, periods, events = accounts + len(batch), periods + added_periods, events + added_events
        audit_record(
            action=AuditAction.SUBSCRIBERS_IMPORTED,
            actor=actor,
            details={"accounts": accounts, "phone_periods": periods, "ip_events": events, "file_sha256": sha256},
        )
    return ImportResult(accounts=accounts, phone_periods=periods, ip_events=events, sha256=sha256)


# Synthetic data


# Resolution and preservation


def _lookup_value(target: Target, region: str) -> str:
    if target.type == TargetType.PHONE:
        # Targets arrive in E.164 from intake; a national spelling is still read in the
        # request's region rather than missed.
        try:
            return normalize_phone(target.value, region=region)
        except InvalidInput:
            return target.value
    if target.type == TargetType.USERNAME:
        return target.value.strip().removeprefix("@").lower()
    return target.value.strip()


@transaction.atomic
def legal_request_resolve_targets(*, legal_request: LegalRequest) -> None:
    """Resolve every target through the provider; record found / not found, audited with hashes.

    Then, for a preservation order, place holds on the accounts found; for any other request,
    link it to an earlier preservation order of the same agency that holds one of its accounts.
    """
    provider = get_provider()
    region = legal_request.jurisdiction.country_code
    targets = list(legal_request.targets.all())
    looked_up = []
    for target in targets:
        value = _lookup_value(target, region)
        account_id = provider.lookup(target.type, value)
        target.resolution = Resolution.FOUND if account_id else Resolution.NOT_FOUND
        target.account_id = account_id or ""
        looked_up.append(value)
    Target.objects.bulk_update(targets, ["resolution", "account_sealed", "account_index"])
    for target, value in zip(targets, looked_up, strict=True):
        audit_record(
            action=AuditAction.TARGET_RESOLVED,
            obj=target,
            request_ref=legal_request.ref,
            details={
                "target_id": target.pk,
                "type": target.type,
                "identifier": audit_hash_identifier(value),
                "found": bool(target.account_id),
                "account": audit_hash_identifier(target.account_id) if target.account_id else None,
            },
        )
    if legal_request.process_type == ProcessType.PRESERVATION_ORDER:
        preservation_holds_place(legal_request=legal_request)
    else:
        legal_request_link_preservation(legal_request=legal_request)


def _preservation_days(legal_request: LegalRequest) -> tuple[int, int]:
    at = legal_request.received_at or timezone.now()
    return preservation_period(jurisdiction_code=legal_request.jurisdiction.code, at=at)


def _found_account_ids(legal_request: LegalRequest) -> set[str]:
    # Sealed in the database: unsealed here, for the look-up in the platform's own data.
    return {target.account_id for target in legal_request.targets.filter(resolution=Resolution.FOUND)}


@transaction.atomic
def preservation_holds_place(*, legal_request: LegalRequest, actor=None) -> list[PreservationHold]:
    """Hold the found accounts' data for the period the rules give; idempotent per account."""
    if legal_request.process_type != ProcessType.PRESERVATION_ORDER:
        raise InvalidInput(ERR_HOLD_NOT_PRESERVATION)
    account_ids = _found_account_ids(legal_request)
    if not account_ids:
        return []
    days, extension_days = _preservation_days(legal_request)
    # The period runs from the order's receipt (Regulation (EU) 2023/1543 Art. 11(1)), not from the look-up.
    starts_at = legal_request.received_at or timezone.now()
    expires_at = starts_at + dt.timedelta(days=days)
    holds = []
    for account in Account.objects.filter(account_id__in=account_ids).order_by("pk"):
        hold, created = PreservationHold.objects.get_or_create(
            legal_request=legal_request, account=account, defaults={"starts_at": starts_at, "expires_at": expires_at}
        )
        holds.append(hold)
        if created:
            audit_record(
                action=AuditAction.PRESERVATION_HOLD,
                actor=actor,
                obj=hold,
                request_ref=legal_request.ref,
                details={
                    "event": "placed",
                    "account": audit_hash_identifier(account.account_id),
                    "days": days,
                    "extension_days": extension_days,
                    "expires_at": expires_at.date().isoformat(),
                },
            )
    return holds


@transaction.atomic
def preservation_holds_extend(*, legal_request: LegalRequest, actor) -> list[PreservationHold]:
    """Extend every active hold of a preservation order once, by the rules' extension period, while
    it runs (an expired hold is over). The agency asks for it (US 2703(f): "upon a renewed request"),
    or the legal team records it; the agency's officer must be an approved one."""
    if is_legal_staff(actor):
        require_legal_staff_on(legal_request, actor)
    elif not Officer.objects.filter(
        user_id=actor.pk, agency_id=legal_request.agency_id, status=OfficerStatus.APPROVED
    ).exists():
        raise NotPermitted(ERR_HOLD_ROLE)
    now = timezone.now()
    holds = list(
        PreservationHold.objects.select_for_update()
        .filter(legal_request=legal_request, expires_at__gt=now)
        .select_related("account")
        .order_by("pk")
    )
    if not holds:
        raise InvalidInput(ERR_HOLD_NONE)
    if any(hold.extended_at is not None for hold in holds):
        raise TransitionNotAllowed(ERR_HOLD_ALREADY_EXTENDED)
    _, extension_days = _preservation_days(legal_request)
    for hold in holds:
        hold.expires_at += dt.timedelta(days=extension_days)
        hold.extended_at = now
        hold.extended_by = actor
        hold.save(update_fields=["expires_at", "extended_at", "extended_by"])
        audit_record(
            action=AuditAction.PRESERVATION_HOLD,
            actor=actor,
            obj=hold,
            request_ref=legal_request.ref,
            details={
                "event": "extended",
                "account": audit_hash_identifier(hold.account.account_id),
                "extension_days": extension_days,
                "expires_at": hold.expires_at.date().isoformat(),
            },
        )
    return holds


def preservation_holds_expire(*, now: dt.datetime | None = None) -> int:
    """Record in the trail, once per hold, each hold that lapsed without an extension in its window
    (a hold is over at ``expires_at`` whatever runs; this makes the lapse visible). Claimed with a
    conditional update, so a second run, or two at once, record nothing more. Returns the count."""
    now = now or timezone.now()
    recorded = 0
    lapsed = PreservationHold.objects.filter(expires_at__lte=now, expiry_recorded_at__isnull=True).exclude(
        pk__in=holds_in_force(now=now).values("pk")
    )
    for hold in lapsed.select_related("account", "legal_request").order_by("pk"):
        with transaction.atomic():
            claimed = PreservationHold.objects.filter(pk=hold.pk, expiry_recorded_at__isnull=True).update(
                expiry_recorded_at=now
            )
            if not claimed:
                continue
            audit_record(
                action=AuditAction.PRESERVATION_HOLD,
                obj=hold,
                request_ref=hold.legal_request.ref,
                details={
                    "event": "expired",
                    "account": audit_hash_identifier(hold.account.account_id),
                    "extended": hold.extended_at is not None,
                    "expired_at": hold.expires_at.isoformat(),
                },
            )
            recorded += 1
    return recorded


@transaction.atomic
def legal_request_link_preservation(*, legal_request: LegalRequest) -> LegalRequest | None:
    """Link a production request to the latest active preservation order of its agency holding a target."""
    if legal_request.preservation_of_id is not None or legal_request.process_type == ProcessType.PRESERVATION_ORDER:
        return None
    account_ids = _found_account_ids(legal_request)
    if not account_ids:
        return None
    hold = (
        holds_in_force()
        .filter(account__account_id__in=account_ids, legal_request__agency_id=legal_request.agency_id)
        .exclude(legal_request=legal_request)
        .select_related("legal_request")
        .order_by("-starts_at", "-pk")
        .first()
    )
    if hold is None:
        return None
    LegalRequest.objects.filter(pk=legal_request.pk).update(preservation_of=hold.legal_request)
    legal_request.preservation_of = hold.legal_request
    audit_record(
        action=AuditAction.PRESERVATION_HOLD,
        obj=hold,
        request_ref=legal_request.ref,
        details={"event": "linked", "preservation_request": hold.legal_request.ref},
    )
    return hold.legal_request
