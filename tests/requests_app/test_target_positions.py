"""Targets are labelled 1, 2, 3 in the order the officer names them; the labels are stored and follow
the officer's corrections, and a target named again keeps its row."""

from __future__ import annotations

import pytest
from django.utils import timezone

from letters.rendering import target_numbers
from letters.selectors import letter_content_for
from requests_app.models import Target
from requests_app.services import legal_request_update
from tests.conftest import draft_create

pytestmark = pytest.mark.django_db

A = {"type": "username", "value": "@alpha"}
B = {"type": "username", "value": "@bravo"}
C = {"type": "phone", "value": "(202) 555-0199"}
D = {"type": "account_id", "value": "delta-1"}


def labels(legal_request) -> list[tuple[int, str]]:
    return [(target.position, target.display_value) for target in legal_request.targets.all()]


def test_targets_are_labelled_in_the_order_given(officer_a):
    legal_request = draft_create(officer_a, targets=[B, C, A])

    assert labels(legal_request) == [(1, "@bravo"), (2, "+12025550199"), (3, "@alpha")]


def test_a_correction_relabels_in_the_new_order_and_keeps_the_rows_named_again(officer_a):
    legal_request = draft_create(officer_a, targets=[A, B, C])
    ids = {target.display_value: target.pk for target in legal_request.targets.all()}

    legal_request_update(legal_request=legal_request, actor=officer_a, data={"targets": [C, A, D]})

    assert labels(legal_request) == [(1, "+12025550199"), (2, "@alpha"), (3, "delta-1")]
    kept = {target.display_value: target.pk for target in legal_request.targets.all()}
    assert kept["@alpha"] == ids["@alpha"] and kept["+12025550199"] == ids["+12025550199"]
    assert not Target.objects.filter(pk=ids["@bravo"]).exists()


def test_an_edit_that_leaves_the_targets_alone_keeps_every_label(officer_a):
    legal_request = draft_create(officer_a, targets=[A, B, C])
    before = labels(legal_request)

    legal_request_update(legal_request=legal_request, actor=officer_a, data={"case_number": "2026-CR-0043"})
    legal_request_update(legal_request=legal_request, actor=officer_a, data={"targets": [A, B, C]})

    assert labels(legal_request) == before


def test_labels_never_follow_database_ids(officer_a):
    # given targets whose ids run the other way from the order named (re-created after a correction)
    legal_request = draft_create(officer_a, targets=[A, B])
    legal_request_update(legal_request=legal_request, actor=officer_a, data={"targets": [C, B, A]})
    by_id = [target.display_value for target in Target.objects.filter(legal_request=legal_request).order_by("id")]

    assert by_id != [value for _, value in labels(legal_request)]
    assert labels(legal_request) == [(1, "+12025550199"), (2, "@bravo"), (3, "@alpha")]


def test_the_letter_lists_the_targets_by_their_labels(officer_a):
    legal_request = draft_create(officer_a, targets=[A, B])
    legal_request_update(legal_request=legal_request, actor=officer_a, data={"targets": [C, B, A]})

    content = letter_content_for(legal_request=legal_request, decision=None, responded_at=timezone.now())

    assert [target.display_value for target in content.asked_targets] == ["+12025550199", "@bravo", "@alpha"]
    positions = {target.pk: target.position for target in legal_request.targets.all()}
    assert target_numbers(content) == positions
