import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coe.models import Coe, ReviewDecision, Status
from coe.services import coe_review, coe_submit
from opsreview.actions.services import action_item_complete
from tests.org.factories import UserFactory

from .factories import complete_coe

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_review():
    coe = complete_coe()
    return coe_submit(coe=coe, actor=coe.created_by)


def test_a_bar_raiser_approves_a_coe_in_review(in_review):
    reviewer = UserFactory()
    coe = coe_review(coe=in_review, actor=reviewer, decision=ReviewDecision.APPROVE)
    assert coe.status == Status.APPROVED
    assert coe.reviews.get().reviewer == reviewer


def test_requesting_changes_needs_a_comment_and_reopens_editing(in_review):
    reviewer = UserFactory()
    with pytest.raises(ValidationError) as refused:
        coe_review(coe=in_review, actor=reviewer, decision=ReviewDecision.REQUEST_CHANGES)
    assert refused.value.message_dict == {
        "comment": [
            "Say what should change: write a summary here, or leave it in a comment on the section."
        ]
    }
    coe = coe_review(
        coe=in_review,
        actor=reviewer,
        decision=ReviewDecision.REQUEST_CHANGES,
        comment="The whys stop at the template; ask why it was stale.",
    )
    assert coe.status == Status.CHANGES_REQUESTED
    assert coe.is_editable


def test_authors_cannot_review_their_own_coe(in_review):
    with pytest.raises(PermissionDenied):
        coe_review(coe=in_review, actor=in_review.created_by, decision=ReviewDecision.APPROVE)
    assert Coe.objects.get(pk=in_review.pk).status == Status.IN_REVIEW


def test_only_a_coe_in_review_can_be_reviewed():
    draft = complete_coe()
    with pytest.raises(ValidationError):
        coe_review(coe=draft, actor=UserFactory(), decision=ReviewDecision.APPROVE)


def test_approval_closes_a_coe_whose_items_are_all_done(in_review):
    for item in in_review.action_items.all():
        action_item_complete(item=item, actor=in_review.created_by)
    coe = coe_review(coe=in_review, actor=UserFactory(), decision=ReviewDecision.APPROVE)
    assert coe.status == Status.CLOSED


def test_the_review_form_shows_to_others_and_records_the_decision(client, in_review):
    reviewer = UserFactory()
    client.force_login(reviewer)
    assert "Request changes" in client.get(f"/coe/{in_review.pk}/").text
    response = client.post(
        f"/coe/{in_review.pk}/review/", {"decision": "approve", "comment": "Thorough."}
    )
    assert response.status_code == 302
    review = in_review.reviews.get()
    assert (review.reviewer, review.decision, review.comment) == (
        reviewer,
        ReviewDecision.APPROVE,
        "Thorough.",
    )
    assert Coe.objects.get(pk=in_review.pk).status == Status.APPROVED
    html = client.get(f"/coe/{in_review.pk}/").text
    assert "Approved</strong> by" in html
    assert "Thorough." in html


def test_the_review_form_is_not_offered_to_authors(client, in_review):
    client.force_login(in_review.created_by)
    assert "Request changes" not in client.get(f"/coe/{in_review.pk}/").text
    response = client.post(f"/coe/{in_review.pk}/review/", {"decision": "approve"})
    assert response.status_code == 403
    assert "A COE is reviewed by an active person who wrote none of it" in response.text
    assert Coe.objects.get(pk=in_review.pk).status == Status.IN_REVIEW
    assert not in_review.reviews.exists()


def test_requesting_changes_without_a_comment_is_answered_with_a_message(client, in_review):
    client.force_login(UserFactory())
    response = client.post(f"/coe/{in_review.pk}/review/", {"decision": "request_changes"})
    assert response.status_code == 422
    assert "Say what should change: write a summary here" in response.text
    assert Coe.objects.get(pk=in_review.pk).status == Status.IN_REVIEW
    assert not in_review.reviews.exists()
