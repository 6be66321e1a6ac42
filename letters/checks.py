"""Production mode refuses a signing key that does not open, has no passphrase, or is the generated
development one (issued by the development CA of ``letters.keys``): letters signed with it would
prove nothing. The same opening is what the readiness endpoint asks (``signing_key_problem``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from lawreq.checks import HINT_KEYS, production_mode
from letters.keys import DEVELOPMENT_CA_SUFFIX
from letters.signing import PURPOSE_REPORT, PURPOSE_RESPONSE, signer_load

ERR_DEVELOPMENT_KEY = "Production mode with the generated development {what} key (issued by the development CA)."
ERR_NO_PASSPHRASE = "Production mode with signing keys stored without a passphrase (LAWREQ_SIGNING_PASSPHRASE)."  # noqa: S105
ERR_NO_REPORT_KEY = "Production mode without LAWREQ_REPORT_SIGNING_P12: reports would be signed by a generated key."
ERR_NO_CUSTODIAN = (
    "Production mode without LAWREQ_RECORDS_CUSTODIAN: certificates of authenticity must name the custodian's function."
)
HINT_CUSTODIAN = 'Set LAWREQ_RECORDS_CUSTODIAN, e.g. "Custodian of Records, Law Enforcement Response Team".'
ERR_EXECUTION_PLACE_UNSET = (
    "LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US is not set to true or false: a certificate of authenticity's "
    "declaration takes the form of 28 U.S.C. § 1746(2) within the United States and of § 1746(1) outside."
)
HINT_EXECUTION_PLACE = (
    "Set LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US=true if the custodian signs within the United States, false otherwise."
)
KEYS = {PURPOSE_RESPONSE: "letter signing", PURPOSE_REPORT: "report signing"}


def signing_key_problem(purpose: str = PURPOSE_RESPONSE) -> str:
    """Why the signing key cannot sign (it does not open, or is the development one); '' when it can."""
    try:
        loaded = signer_load(purpose)
    except ImproperlyConfigured as error:
        return str(error)
    issuer = loaded.certificate.issuer.rfc4514_string()
    if production_mode() and DEVELOPMENT_CA_SUFFIX in issuer:
        return ERR_DEVELOPMENT_KEY.format(what=KEYS[purpose])
    return ""


@register(Tags.security)
def signing_keys_check(app_configs=None, **kwargs) -> list[Error]:
    if not production_mode():
        return []
    if not settings.LAWREQ_SIGNING_PASSPHRASE:
        return [Error(ERR_NO_PASSPHRASE, hint=HINT_KEYS, id="letters.E001")]
    if not settings.LAWREQ_REPORT_SIGNING_P12:
        return [Error(ERR_NO_REPORT_KEY, hint=HINT_KEYS, id="letters.E002")]
    return [
        Error(problem, hint=HINT_KEYS, id="letters.E003")
        for problem in (signing_key_problem(purpose) for purpose in KEYS)
        if problem
    ]


@register(Tags.security)
def records_custodian_check(app_configs=None, **kwargs) -> list[Error]:
    if production_mode() and not settings.LAWREQ_RECORDS_CUSTODIAN.strip():
        return [Error(ERR_NO_CUSTODIAN, hint=HINT_CUSTODIAN, id="letters.E004")]
    return []


@register(Tags.security)
def records_custodian_execution_place_check(app_configs=None, **kwargs) -> list[Error]:
    """Unset in production mode, or set to a word that is neither true nor false in any mode (None)."""
    if settings.LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US is None:
        return [Error(ERR_EXECUTION_PLACE_UNSET, hint=HINT_EXECUTION_PLACE, id="letters.E005")]
    return []
