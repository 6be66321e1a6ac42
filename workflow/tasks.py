"""The Celery tasks of the journey: thin, they take ids and run one step of ``workflow.services``."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.db import OperationalError

from letters.services import (
    TRANSIENT_ERRORS,
    ResponseBusy,
    ResponseGenerationFailed,
    ResponseNotDue,
    letter_failure_log,
    response_fail,
)
from workflow import services

logger = logging.getLogger(__name__)

LETTER_MAX_RETRIES = 8
BACKOFF_BASE_SECONDS = 10
# Below the broker's visibility timeout (settings): a countdown beyond it is delivered twice.
BACKOFF_MAX_SECONDS = 240


def retry_countdown(retries: int) -> int:
    """Exponential backoff with jitter, so workers retrying together spread out."""
    ceiling = min(BACKOFF_BASE_SECONDS * 2**retries, BACKOFF_MAX_SECONDS)
    return random.randint(ceiling // 2, ceiling)


@shared_task(
    name="workflow.validate_request",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def validate_request(legal_request_id: int) -> None:
    services.do_validate(legal_request_id=legal_request_id)


@shared_task(bind=True, name="workflow.issue_response", acks_late=True, max_retries=LETTER_MAX_RETRIES)
def issue_response(self, legal_request_id: int) -> str | None:
    """Render, sign and issue the response letter; returns its SHA-256, or None if none was issued."""
    try:
        response = services.do_issue_response(legal_request_id=legal_request_id, claim_token=self.request.id)
    except (ResponseBusy, *TRANSIENT_ERRORS) as error:
        # Run eagerly (the embedded default), a retry would run again at once and then raise into
        # the reviewer's request: record the failure instead, for an operator to generate again.
        if self.request.is_eager or self.request.retries >= self.max_retries:
            letter_failure_log(legal_request_id=legal_request_id, error=error)
            response_fail(legal_request_id=legal_request_id, error=error)
            services.do_letter_failed(legal_request_id=legal_request_id)
            return None
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries))
    except ResponseNotDue:
        logger.info("request id %s needs no response letter", legal_request_id)
        return None
    except ResponseGenerationFailed:
        # Recorded on the response and in the audit trail; ``letter_sign`` logged the stack.
        services.do_letter_failed(legal_request_id=legal_request_id)
        return None
    return response.sha256 or None


@shared_task(name="workflow.sweep", acks_late=True, ignore_result=True)
def sweep() -> None:
    """Beat: send again the work whose task was lost, and alert on requests waiting too long."""
    result = services.do_sweep()
    if result.validations or result.letters or result.alerts:
        logger.warning(
            "sweep: %d validation(s) and %d letter(s) sent again, %d alert(s)",
            len(result.validations),
            len(result.letters),
            len(result.alerts),
        )


@shared_task(name="workflow.followups_escalate", acks_late=True)
def followups_escalate() -> list[str]:
    """Beat: escalate the emergency disclosures whose follow-up legal process is overdue."""
    return services.do_followups_escalate()
