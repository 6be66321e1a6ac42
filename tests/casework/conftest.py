"""Requests at the stage a conversation is about: asked a question, in review."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from requests_app.models import LegalRequest
from workflow.services import do_propose

QUESTION = "Which account does the order name? Attach page 2 of the order."


def question_asked(legal_request: LegalRequest, analyst, question: str = QUESTION) -> LegalRequest:
    do_propose(legal_request=legal_request, actor=analyst, decision="need_info", reason=question)
    legal_request.refresh_from_db()
    return legal_request


@pytest.fixture
def needs_info_factory(in_review_factory, analyst) -> Callable[..., LegalRequest]:
    """A request of ``officer`` to which the analyst asked ``QUESTION``: ``needs_info``."""
    return lambda officer, **overrides: question_asked(in_review_factory(officer, **overrides), analyst)


# Letters are signed with the web tests' session key (the journey's last step issues one).
from tests.web.conftest import _throw_away_keys, signing_keys_dir  # noqa: E402, F401
