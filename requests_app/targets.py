"""Target identifiers: how the police name an account, normalised so equal things compare equal."""

from __future__ import annotations

import re

import phonenumbers

from lawreq.errors import InvalidInput
from requests_app.choices import TargetType

ERR_PHONE = "'{value}' is not a valid phone number for region {region}."
ERR_USERNAME = "A username has 1 to 64 letters, digits, '_' or '.', optionally after one '@'."
ERR_ACCOUNT_ID = "An account id has 1 to 100 letters, digits, '_' or '-'."

_USERNAME = re.compile(r"^[A-Za-z0-9_.]{1,64}$")
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


def normalize_phone(value: str, *, region: str) -> str:
    """E.164, reading national formats in the region of the request's jurisdiction."""
    try:
        number = phonenumbers.parse(value, region.upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        # The value is the officer's own input, echoed back to them; it is never logged.
        raise InvalidInput(ERR_PHONE.format(value=value[:40], region=region), field="value")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_username(value: str) -> str:
    username = value.strip().removeprefix("@")
    if not _USERNAME.match(username):
        raise InvalidInput(ERR_USERNAME, field="value")
    return username.lower()


def normalize_account_id(value: str) -> str:
    account_id = value.strip()
    if not _ACCOUNT_ID.match(account_id):
        raise InvalidInput(ERR_ACCOUNT_ID, field="value")
    return account_id


def normalize_target(*, target_type: str, value: str, region: str) -> str:
    if target_type == TargetType.PHONE:
        return normalize_phone(value, region=region)
    if target_type == TargetType.USERNAME:
        return normalize_username(value)
    return normalize_account_id(value)
