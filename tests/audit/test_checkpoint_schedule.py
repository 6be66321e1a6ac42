"""The pass after every commit asks the database whether a checkpoint is due only when one can be."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.actions import AuditAction
from audit.models import AuditCheckpoint
from audit.services import audit_checkpoint_create, audit_checkpoint_due, audit_record, audit_sequence

pytestmark = pytest.mark.django_db


def _entries(count: int) -> None:
    for n in range(count):
        audit_record(action=AuditAction.REQUEST_VIEWED, role="system", details={"n": n})
    audit_sequence()


def test_a_young_checkpoint_spares_the_question_until_it_can_be_due(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 60
    _entries(3)
    audit_checkpoint_create()
    _entries(2)
    assert audit_checkpoint_due() is False  # learns when the next one can be due

    with CaptureQueriesContext(connection) as queries:
        assert audit_checkpoint_due() is False

    assert len(queries) == 0


def test_the_checkpoint_is_due_again_once_the_interval_has_passed(settings):
    settings.AUDIT_CHECKPOINT_SECONDS = 60
    _entries(3)
    audit_checkpoint_create()
    _entries(2)
    assert audit_checkpoint_due() is False

    later = timezone.now() + timedelta(seconds=61)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert audit_checkpoint_due() is True
    assert AuditCheckpoint.objects.count() == 1
