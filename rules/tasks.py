from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from rules.services import legal_request_validate


@shared_task(
    name="rules.validate_request",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def validate_request(legal_request_id: int) -> None:
    legal_request_validate(legal_request_id=legal_request_id)
