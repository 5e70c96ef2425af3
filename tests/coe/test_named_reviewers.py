"""Named reviewers: the authors ask bar raisers for a review; once named, only they decide, and
the COE is approved when each has approved or been removed. Each step tells the right person."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from coe.models import CoeReviewer, ReviewDecision, ReviewerState, Status
from coe.services import (
    coe_review,
    coe_reviewer_add,
    coe_reviewer_reassign,
    coe_reviewer_remove,
    coe_submit,
)
from opsreview.org.models import Notification, NotificationKind
from tests.org.factories import UserFactory

from .factories import complete_coe, save_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory(username="priya", first_name="Priya", email="priya@example.com")


@pytest.fixture
def coe(author):
    return complete_coe(title="Checkout failing", actor=author)


@pytest.fixture
def rae():
    return UserFactory(username="rae", email="rae@example.com")


@pytest.fixture
def sam():
    return UserFactory(username="sam", email="sam@example.com")


def kinds_for(person) -> list[str]:
    return list(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


def emails_to(person) -> list:
    return [message for message in mail.outbox if message.to == [person.email]]


def test_two_reviewers_one_sends_it_back_both_approve_and_each_step_tells_someone_once(
    coe, author, rae, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
        coe_reviewer_add(coe=coe, actor=author, reviewer=sam)
    assert kinds_for(rae) == []  # a draft: nobody is asked yet

    with django_capture_on_commit_callbacks(execute=True):
        coe = coe_submit(coe=coe, actor=author)
    assert kinds_for(rae) == kinds_for(sam) == [NotificationKind.REVIEW_REQUESTED]
    assert len(emails_to(rae)) == len(emails_to(sam)) == 1

    # Rae approves: the COE waits for Sam.
    coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.APPROVE)
    assert coe.status == Status.IN_REVIEW
    assert CoeReviewer.objects.get(reviewer=rae).state == ReviewerState.APPROVED
    assert kinds_for(author) == []

    # Sam asks for changes: it goes back to the author, who is told.
    with django_capture_on_commit_callbacks(execute=True):
        coe = coe_review(
            coe=coe, actor=sam, decision=ReviewDecision.REQUEST_CHANGES, comment="Add the graph."
        )
    assert coe.status == Status.CHANGES_REQUESTED
    assert kinds_for(author) == [NotificationKind.CHANGES_REQUESTED]
    [sent_back] = emails_to(author)
    assert "Checkout failing" in sent_back.subject

    # The author fixes it and submits again: Sam is asked again, Rae's approval stands.
    save_text(coe, "lessons", "Canary every config change.", actor=author)
    with django_capture_on_commit_callbacks(execute=True):
        coe = coe_submit(coe=coe, actor=author)
    assert kinds_for(sam).count(NotificationKind.REVIEW_REQUESTED) == 2
    assert kinds_for(rae) == [NotificationKind.REVIEW_REQUESTED]
    assert CoeReviewer.objects.get(reviewer=rae).state == ReviewerState.APPROVED

    with django_capture_on_commit_callbacks(execute=True):
        coe = coe_review(coe=coe, actor=sam, decision=ReviewDecision.APPROVE)
    assert coe.status == Status.APPROVED
    assert kinds_for(author).count(NotificationKind.APPROVED) == 1
    assert len(emails_to(author)) == 2  # sent back, approved


def test_once_reviewers_are_named_nobody_else_decides(coe, author, rae, sam):
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe = coe_submit(coe=coe, actor=author)

    with pytest.raises(PermissionDenied, match="named its reviewers"):
        coe_review(coe=coe, actor=sam, decision=ReviewDecision.APPROVE)

    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW
    assert not coe.reviews.exists()


def test_an_author_or_anyone_who_wrote_it_cannot_be_named(coe, author):
    writer = UserFactory()
    coe.team.members.add(writer)
    save_text(coe, "related", "See the runbook.", actor=writer)

    for person in (author, writer):
        with pytest.raises(ValidationError, match="wrote none of it"):
            coe_reviewer_add(coe=coe, actor=author, reviewer=person)
    assert not CoeReviewer.objects.exists()


def test_naming_the_same_reviewer_twice_is_refused(coe, author, rae):
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    with pytest.raises(ValidationError, match="already a reviewer"):
        coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    assert CoeReviewer.objects.count() == 1


def test_only_authors_team_and_staff_name_reviewers(coe, rae, sam):
    with pytest.raises(PermissionDenied, match="name its reviewers"):
        coe_reviewer_add(coe=coe, actor=sam, reviewer=rae)
    coe_reviewer_add(coe=coe, actor=UserFactory(is_staff=True), reviewer=rae)
    assert CoeReviewer.objects.filter(reviewer=rae).exists()


def test_removing_the_last_reviewer_who_had_not_approved_approves_it(
    coe, author, rae, sam, django_capture_on_commit_callbacks
):
    co_author = UserFactory()
    coe.authors.add(co_author)
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe_reviewer_add(coe=coe, actor=author, reviewer=sam)
    coe = coe_submit(coe=coe, actor=author)
    coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.APPROVE)

    with django_capture_on_commit_callbacks(execute=True):
        coe_reviewer_remove(coe=coe, actor=author, reviewer_id=sam.pk)

    coe.refresh_from_db()
    assert coe.status == Status.APPROVED
    # The co-author is told; the author who removed Sam saw it happen.
    assert kinds_for(co_author) == [NotificationKind.APPROVED]
    assert kinds_for(author) == []


def test_a_reviewer_who_asked_for_changes_is_removed_by_staff_only(coe, author, rae):
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe = coe_submit(coe=coe, actor=author)
    coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.REQUEST_CHANGES, comment="No.")

    with pytest.raises(PermissionDenied, match="only staff"):
        coe_reviewer_remove(coe=coe, actor=author, reviewer_id=rae.pk)
    assert CoeReviewer.objects.get(reviewer=rae).state == ReviewerState.CHANGES_REQUESTED

    coe_reviewer_remove(coe=coe, actor=UserFactory(is_staff=True), reviewer_id=rae.pk)
    assert CoeReviewer.objects.get(reviewer=rae).state == ReviewerState.REMOVED


def test_staff_reassign_a_review_and_the_new_reviewer_is_asked_at_once(
    coe, author, rae, sam, django_capture_on_commit_callbacks
):
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe = coe_submit(coe=coe, actor=author)
    staff = UserFactory(is_staff=True)

    with pytest.raises(PermissionDenied, match="Only staff"):
        coe_reviewer_reassign(coe=coe, actor=author, reviewer_id=rae.pk, to=sam)
    with django_capture_on_commit_callbacks(execute=True):
        coe_reviewer_reassign(coe=coe, actor=staff, reviewer_id=rae.pk, to=sam)

    states = dict(CoeReviewer.objects.values_list("reviewer__username", "state"))
    assert states == {"rae": ReviewerState.REMOVED, "sam": ReviewerState.REQUESTED}
    assert kinds_for(sam) == [NotificationKind.REVIEW_REQUESTED]
    coe = coe_review(coe=coe, actor=sam, decision=ReviewDecision.APPROVE)
    assert coe.status == Status.APPROVED


def test_reviewers_of_an_approved_coe_no_longer_change(coe, author, rae, sam):
    coe = coe_submit(coe=coe, actor=author)
    coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.APPROVE)
    with pytest.raises(PermissionDenied, match="approved"):
        coe_reviewer_add(coe=coe, actor=author, reviewer=sam)


# The page


def test_the_author_names_a_reviewer_from_the_coe_page(client: Client, coe, author, rae):
    client.force_login(author)

    response = client.post(reverse("coe:coe_reviewer_add", args=[coe.pk]), {"reviewer": "rae"})

    assert response.status_code == 302
    assert CoeReviewer.objects.filter(coe=coe, reviewer=rae).exists()
    page = client.get(coe.get_absolute_url()).content.decode()
    assert 'data-testid="reviewer"' in page and "Review requested" in page


def test_naming_an_author_on_the_page_says_why_and_names_nobody(client: Client, coe, author):
    client.force_login(author)

    response = client.post(reverse("coe:coe_reviewer_add", args=[coe.pk]), {"reviewer": "priya"})

    assert response.status_code == 422
    assert "wrote none of it" in response.content.decode()
    assert not CoeReviewer.objects.exists()


def test_someone_unknown_is_refused_with_a_message(client: Client, coe, author):
    client.force_login(author)
    response = client.post(
        reverse("coe:coe_reviewer_add", args=[coe.pk]), {"reviewer": "nobody-here"}
    )
    assert response.status_code == 422
    assert not CoeReviewer.objects.exists()


def test_a_non_reviewer_sees_no_review_form_once_reviewers_are_named(
    client: Client, coe, author, rae, sam
):
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe_submit(coe=coe, actor=author)
    client.force_login(sam)
    page = client.get(coe.get_absolute_url()).content.decode()
    assert 'value="approve"' not in page
    client.force_login(rae)
    assert 'value="approve"' in client.get(coe.get_absolute_url()).content.decode()


def test_the_whole_review_with_a_thread_two_reviewers_one_fix_and_both_approvals(
    coe, author, rae, sam, django_capture_on_commit_callbacks
):
    from coe.services import coe_thread_reply, coe_thread_resolve, coe_thread_start

    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    coe_reviewer_add(coe=coe, actor=author, reviewer=sam)
    with django_capture_on_commit_callbacks(execute=True):
        coe = coe_submit(coe=coe, actor=author)
        coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.APPROVE)
        # Sam asks for changes through a thread on the summary, with no summary of his own.
        thread = coe_thread_start(
            coe=coe, actor=sam, section="summary", quote="Checkout", body="Which region first?"
        )
        coe = coe_review(coe=coe, actor=sam, decision=ReviewDecision.REQUEST_CHANGES)
    assert coe.status == Status.CHANGES_REQUESTED
    assert kinds_for(author).count(NotificationKind.COMMENT) == 1
    assert kinds_for(author).count(NotificationKind.CHANGES_REQUESTED) == 1

    with django_capture_on_commit_callbacks(execute=True):
        coe_thread_reply(thread=thread, actor=author, body="eu-west-1; now in the summary.")
        save_text(coe, "summary", "Checkout failed in eu-west-1 first, then everywhere.", author)
        coe_thread_resolve(thread=thread, actor=author, resolved=True)
        coe = coe_submit(coe=coe, actor=author)
        coe = coe_review(coe=coe, actor=sam, decision=ReviewDecision.APPROVE)
    assert kinds_for(sam).count(NotificationKind.COMMENT) == 1  # the author's reply
    assert coe.status == Status.APPROVED
    assert kinds_for(author).count(NotificationKind.APPROVED) == 1
    # Every notification was emailed once, to its own recipient.
    emailed = Notification.objects.exclude(recipient__email="").filter(emailed_at__isnull=False)
    assert emailed.count() == Notification.objects.exclude(recipient__email="").count()
    assert len(mail.outbox) == emailed.count()


def test_an_author_cannot_approve_their_own_coe(coe, author):
    coe = coe_submit(coe=coe, actor=author)
    with pytest.raises(PermissionDenied, match="wrote none of it"):
        coe_review(coe=coe, actor=author, decision=ReviewDecision.APPROVE)
    coe.refresh_from_db()
    assert coe.status == Status.IN_REVIEW
