"""Comment threads on a COE's sections: started on a section or a quoted passage, replied to,
resolved and reopened by the right people, and each step tells whoever is in the thread."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from coe.models import CoeComment, CoeThread, ReviewDecision, Status
from coe.services import (
    coe_review,
    coe_reviewer_add,
    coe_submit,
    coe_thread_reply,
    coe_thread_resolve,
    coe_thread_start,
)
from opsreview.org.models import Notification, NotificationKind
from tests.org.factories import UserFactory

from .factories import complete_coe, save_text

pytestmark = pytest.mark.django_db

QUOTE = "the config change went out to every region at once"


@pytest.fixture
def author():
    return UserFactory(username="priya", first_name="Priya", last_name="Shah")


@pytest.fixture
def rae():
    return UserFactory(username="rae", first_name="Rae", last_name="Okafor")


@pytest.fixture
def coe(author, rae):
    coe = complete_coe(title="Checkout failing", actor=author)
    coe_reviewer_add(coe=coe, actor=author, reviewer=rae)
    return coe_submit(coe=coe, actor=author)


def told(person, kind=None) -> list[Notification]:
    found = Notification.objects.filter(recipient=person)
    return list(found.filter(kind=kind) if kind else found)


def test_a_reviewer_comments_on_a_passage_and_the_authors_hear_of_it(coe, author, rae):
    thread = coe_thread_start(
        coe=coe, actor=rae, section="summary", quote=QUOTE, body="Why *every* region?"
    )

    assert (thread.section, thread.quote, thread.started_by) == ("summary", QUOTE, rae)
    [comment] = thread.comments.all()
    assert "<em>every</em>" in comment.body_html
    [notification] = told(author, NotificationKind.COMMENT)
    assert "Rae Okafor commented on" in notification.text
    assert notification.url == f"/coe/{coe.pk}/#thread-{thread.pk}"
    assert told(rae) == [] or all(n.kind == NotificationKind.REVIEW_REQUESTED for n in told(rae))


def test_a_reply_tells_everyone_in_the_thread_and_a_mention_tells_that_person_once(
    coe, author, rae
):
    sam = UserFactory(username="sam")
    thread = coe_thread_start(coe=coe, actor=rae, section="lessons", body="Is this a lesson?")

    coe_thread_reply(thread=thread, actor=author, body="Yes: @sam knows the canary. @nobody-here")

    assert len(told(rae, NotificationKind.COMMENT)) == 1
    [mention] = told(sam)
    assert mention.kind == NotificationKind.MENTION
    assert "Priya Shah mentioned you" in mention.text
    # The unknown name is plain text, told to nobody.
    assert Notification.objects.filter(kind=NotificationKind.MENTION).count() == 1


def test_the_thread_starter_or_an_author_resolves_and_reopens_it_nobody_else(coe, author, rae):
    thread = coe_thread_start(coe=coe, actor=rae, section="summary", body="Add the time zone.")
    other = UserFactory()

    with pytest.raises(PermissionDenied, match="whoever started it"):
        coe_thread_resolve(thread=thread, actor=other, resolved=True)

    thread = coe_thread_resolve(thread=thread, actor=author, resolved=True)
    assert not thread.is_open and thread.resolved_by == author
    thread = coe_thread_resolve(thread=thread, actor=rae, resolved=False)
    assert thread.is_open and thread.resolved_by is None


def test_a_thread_stays_on_its_section_and_says_when_the_text_changed_since(
    client: Client, coe, author, rae
):
    thread = coe_thread_start(coe=coe, actor=rae, section="summary", quote=QUOTE, body="Hmm.")
    client.force_login(rae)
    page = client.get(coe.get_absolute_url()).content.decode()
    assert 'data-testid="text-changed"' not in page

    coe.status = Status.CHANGES_REQUESTED
    coe.save(update_fields=["status"])
    save_text(coe, "summary", "The change went to one region, then all.", actor=author)

    page = client.get(coe.get_absolute_url()).content.decode()
    threads = page[page.index('id="threads-summary"') :]
    assert f'id="thread-{thread.pk}"' in threads
    assert "The text has changed since this thread began." in threads
    assert QUOTE in threads


def test_changes_are_requested_with_an_open_thread_or_a_summary(coe, author, rae):
    with pytest.raises(ValidationError, match="Say what should change"):
        coe_review(coe=coe, actor=rae, decision=ReviewDecision.REQUEST_CHANGES)

    coe_thread_start(coe=coe, actor=rae, section="summary", body="Name the region.")
    coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.REQUEST_CHANGES)

    assert coe.status == Status.CHANGES_REQUESTED


def test_who_may_comment_on_a_coe_under_way_and_once_approved(coe, author, rae):
    stranger, staff = UserFactory(), UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied, match="authors, its team, its reviewers and staff"):
        coe_thread_start(coe=coe, actor=stranger, section="summary", body="Drive-by.")

    coe = coe_review(coe=coe, actor=rae, decision=ReviewDecision.APPROVE)
    assert coe.status == Status.APPROVED
    with pytest.raises(PermissionDenied, match="reviewers and staff"):
        coe_thread_start(coe=coe, actor=author, section="summary", body="One more thing.")
    coe_thread_start(coe=coe, actor=rae, section="summary", body="Good lesson.")
    coe_thread_start(coe=coe, actor=staff, section="lessons", body="Sharing this widely.")
    assert CoeThread.objects.filter(coe=coe).count() == 2


# The page


def test_a_comment_posted_from_the_page_lands_on_its_section(client: Client, coe, rae):
    client.force_login(rae)

    response = client.post(
        reverse("coe:coe_thread_start", args=[coe.pk]),
        {"section": "summary", "quote": QUOTE, "body": "Why every region?"},
    )

    thread = CoeThread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/coe/{coe.pk}/#thread-{thread.pk}"
    reply = client.post(
        reverse("coe:coe_thread_reply", args=[coe.pk, thread.pk]),
        {f"reply-{thread.pk}-body": "And the rollback?"},
    )
    assert reply.status_code == 302
    assert list(thread.comments.values_list("body", flat=True)) == [
        "Why every region?",
        "And the rollback?",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"section": "summary", "body": "   "}, "This field is required."),
        ({"section": "summary", "body": "x" * 10_001}, "at most 10000 characters"),
        ({"section": "no-such-section", "body": "Hello"}, "Choose a section of the COE"),
        ({"section": "summary", "body": "ok", "quote": "q" * 1_001}, "at most 1000 characters"),
    ],
)
def test_bad_comments_are_refused_with_a_message_and_keep_nothing(
    client: Client, coe, rae, data, message
):
    client.force_login(rae)
    response = client.post(reverse("coe:coe_thread_start", args=[coe.pk]), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CoeThread.objects.exists()


def test_an_empty_reply_is_refused_and_the_thread_keeps_its_comments(client: Client, coe, rae):
    thread = coe_thread_start(coe=coe, actor=rae, section="summary", body="First.")
    client.force_login(rae)
    response = client.post(
        reverse("coe:coe_thread_reply", args=[coe.pk, thread.pk]), {f"reply-{thread.pk}-body": ""}
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert CoeComment.objects.count() == 1


def test_comment_text_is_sanitised_and_inert(client: Client, coe, rae):
    body = '<script>alert(1)</script><a hx-post="/admin/" href="#">click</a> <b>bold</b>'
    quote = '<img src=x onerror=alert(1)> hx-get="/admin/"'
    thread = coe_thread_start(coe=coe, actor=rae, section="summary", body=body, quote=quote)
    client.force_login(rae)
    page = client.get(coe.get_absolute_url()).content.decode()
    threads = page[page.index(f'id="thread-{thread.pk}"') :]
    threads = threads[: threads.index("</article>")]
    assert "<script>" not in threads and "hx-post" not in threads.replace("&quot;", "")
    assert "<img" not in threads
    assert "&lt;img src=x" in threads
    assert threads.count("hx-disable") >= 2  # the quote and the comment


def test_a_comment_on_another_coes_thread_is_not_found(client: Client, coe, rae, author):
    other = complete_coe(actor=author)
    thread = coe_thread_start(coe=coe, actor=rae, section="summary", body="Here.")
    client.force_login(author)
    response = client.post(reverse("coe:coe_thread_resolve", args=[other.pk, thread.pk]), {})
    assert response.status_code == 404
    thread.refresh_from_db()
    assert thread.is_open
