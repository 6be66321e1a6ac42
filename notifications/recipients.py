"""Who is told of an event on a request: the people involved, not everyone who could be."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from casework.models import AuthorRole, InternalNote, Message
from disclosure.models import Proposal
from lawreq.roles import Role
from requests_app.models import LegalRequest


def _active_users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def agency_side(legal_request: LegalRequest) -> QuerySet:
    """The officer who filed the request and the agency's officers who wrote about it."""
    writers = Message.objects.filter(legal_request=legal_request, author_role=AuthorRole.OFFICER).values("author_id")
    return _active_users().filter(officer__agency_id=legal_request.agency_id).filter(
        pk__in=writers
    ) | _active_users().filter(pk=legal_request.created_by_id)


def role_holders(role: Role) -> QuerySet:
    return _active_users().filter(groups__name=role.value)


def staff_side(legal_request: LegalRequest) -> QuerySet:
    """The legal team's members who have the request in hand (its assignee) or worked on it (wrote,
    noted, proposed); when nobody has yet, every analyst. Never the requesting officer, even one who
    also holds a staff role."""
    staff = role_holders(Role.ANALYST) | role_holders(Role.REVIEWER)
    involved = (
        staff.filter(pk=legal_request.assignee_id)
        | staff.filter(pk__in=Message.objects.filter(legal_request=legal_request).values("author_id"))
        | staff.filter(pk__in=InternalNote.objects.filter(legal_request=legal_request).values("author_id"))
        | staff.filter(pk__in=Proposal.objects.filter(legal_request=legal_request).values("proposed_by_id"))
    ).exclude(pk=legal_request.created_by_id)
    if involved.exists():
        return involved.distinct()
    return role_holders(Role.ANALYST).exclude(pk=legal_request.created_by_id).distinct()


def officer_deciders() -> QuerySet:
    """Who may approve a police officer's registration (``web.views.officers.is_officer_decider``)."""
    return (
        role_holders(Role.ANALYST)
        | role_holders(Role.REVIEWER)
        | role_holders(Role.ADMIN)
        | _active_users().filter(is_superuser=True)
    ).distinct()


def reviewers_other_than(legal_request: LegalRequest, proposer) -> QuerySet:
    """Who may approve the proposal: reviewers, never its proposer nor the requesting officer."""
    return role_holders(Role.REVIEWER).exclude(pk__in=[proposer.pk, legal_request.created_by_id]).distinct()


def reviewers(legal_request: LegalRequest) -> QuerySet:
    """Who answers for the request's letter going out: every reviewer but the requesting officer."""
    return role_holders(Role.REVIEWER).exclude(pk=legal_request.created_by_id).distinct()
