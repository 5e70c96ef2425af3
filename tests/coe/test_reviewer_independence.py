"""A bar raiser wrote none of the COE: not a listed author, nor anyone who saved its text."""

import pytest
from django.core.exceptions import PermissionDenied

from coe.models import Coe, ReviewDecision, Status
from coe.services import coe_review, coe_submit
from tests.org.factories import UserFactory

from .factories import add_factor, complete_coe, save_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def teammate_and_coe():
    """A COE whose team has a member who is not one of its listed authors."""
    coe = complete_coe()
    teammate = UserFactory()
    coe.team.members.add(teammate)
    return teammate, coe


def _submit(coe: Coe) -> Coe:
    return coe_submit(coe=coe, actor=coe.created_by)


def test_a_teammate_who_saved_a_section_cannot_approve(teammate_and_coe):
    teammate, coe = teammate_and_coe
    save_text(coe, "lessons", "Test the whole path end to end, every deploy.", actor=teammate)
    coe = _submit(coe)

    assert not coe.is_independent_reviewer(teammate)
    with pytest.raises(PermissionDenied, match="wrote none of it"):
        coe_review(coe=coe, actor=teammate, decision=ReviewDecision.APPROVE)

    assert Coe.objects.get(pk=coe.pk).status == Status.IN_REVIEW
    assert not coe.reviews.exists()


def test_a_teammate_who_edited_the_five_whys_cannot_approve(teammate_and_coe):
    teammate, coe = teammate_and_coe
    add_factor(coe, actor=teammate, title="Missing canary")
    coe = _submit(coe)

    with pytest.raises(PermissionDenied):
        coe_review(coe=coe, actor=teammate, decision=ReviewDecision.APPROVE)

    assert Coe.objects.get(pk=coe.pk).status == Status.IN_REVIEW


def test_a_teammate_who_wrote_nothing_may_approve(teammate_and_coe):
    teammate, coe = teammate_and_coe
    coe = _submit(coe)

    coe = coe_review(coe=coe, actor=teammate, decision=ReviewDecision.APPROVE)

    assert coe.status == Status.APPROVED


def test_a_reviewer_who_requested_changes_may_review_the_next_round():
    coe = _submit(complete_coe())
    reviewer = UserFactory()
    coe_review(
        coe=coe, actor=reviewer, decision=ReviewDecision.REQUEST_CHANGES, comment="Ask why again."
    )
    coe = Coe.objects.get(pk=coe.pk)
    save_text(coe, "lessons", "Asked why again: the template had no owner.")
    coe = _submit(coe)

    coe = coe_review(coe=coe, actor=reviewer, decision=ReviewDecision.APPROVE)

    assert coe.status == Status.APPROVED


def test_the_review_form_is_not_offered_to_someone_who_wrote_part_of_it(client, teammate_and_coe):
    teammate, coe = teammate_and_coe
    save_text(coe, "summary", "Gateway config pushed without a canary.", actor=teammate)
    coe = _submit(coe)
    client.force_login(teammate)

    page = client.get(coe.get_absolute_url())
    refused = client.post(f"/coe/{coe.pk}/review/", {"decision": ReviewDecision.APPROVE})

    assert page.context["can_review"] is False
    assert refused.status_code == 403
    assert "A COE is reviewed by an active person who" in refused.text
    assert Coe.objects.get(pk=coe.pk).status == Status.IN_REVIEW
    assert not coe.reviews.exists()
