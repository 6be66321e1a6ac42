"""When a request must be answered. The jurisdiction's rules own the numbers."""

from __future__ import annotations

import datetime as dt

from requests_app.models import LegalRequest


def due_at_for(legal_request: LegalRequest, *, received_at: dt.datetime) -> dt.datetime:
    from rules.selectors import response_deadline

    return response_deadline(
        jurisdiction_code=legal_request.jurisdiction.code,
        process_type=legal_request.process_type,
        emergency=legal_request.emergency,
        received_at=received_at,
    )
