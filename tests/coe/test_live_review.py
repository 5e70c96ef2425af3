"""A COE's review state, live: a page open on a COE under review asks every few seconds
whether its status, reviews or reviewers changed, is answered 204 from one query while they
have not, and gets those parts anew (swapped in by their ids) when they have."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coe.models import ReviewDecision
from coe.services import coe_review, coe_reviewer_add, coe_submit
from tests.org.factories import UserFactory

from .factories import complete_coe

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def in_review():
    coe = complete_coe()
    return coe_submit(coe=coe, actor=coe.created_by)


def poll_url(html: str) -> str:
    found = re.search(r'id="coe-live"[^>]*?hx-get="([^"]+)"', html)
    assert found, "the page does not poll"
    return found.group(1)


def test_a_coe_in_review_polls_and_is_a_204_from_one_query_while_nothing_changed(
    client, in_review, settings
):
    settings.LIVE_POLL_SECONDS = 6
    client.force_login(UserFactory())
    html = client.get(in_review.get_absolute_url()).text
    assert re.search(r'id="coe-live"[^>]*hx-trigger="every 6s"', html)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(poll_url(html), headers=HTMX)

    assert response.status_code == 204
    assert len(captured.captured_queries) == 3  # the session, the person, the COE's state


def test_an_approval_elsewhere_shows_in_the_status_and_the_reviews(client, in_review):
    reader, reviewer = UserFactory(), UserFactory(first_name="Rita", last_name="Reviewer")
    client.force_login(reader)
    url = poll_url(client.get(in_review.get_absolute_url()).text)

    coe_review(coe=in_review, actor=reviewer, decision=ReviewDecision.APPROVE, comment="Solid.")
    response = client.get(url, headers=HTMX)

    assert response.status_code == 200
    html = response.text
    assert re.search(r'<span id="coe-status"[^>]*hx-swap-oob="true"[^>]*>Approved</span>', html)
    reviews = html[html.index('<div id="reviews-live" hx-swap-oob="true">') :]
    assert "Approved</strong> by Rita Reviewer" in reviews and "<p>Solid.</p>" in reviews
    # Approved, the review is over: the new poller asks no more.
    assert re.search(r'<div hidden id="coe-live" hx-swap-oob="true"></div>', html)


def test_a_reviewer_named_elsewhere_shows_in_the_reviewers(client, in_review):
    client.force_login(in_review.created_by)
    url = poll_url(client.get(in_review.get_absolute_url()).text)
    named = UserFactory(first_name="Nora", last_name="Named")

    coe_reviewer_add(coe=in_review, actor=in_review.created_by, reviewer=named)
    html = client.get(url, headers=HTMX).text

    reviewers = html[html.index('<div id="reviewers-live" hx-swap-oob="true">') :]
    assert "Nora Named" in reviewers
    assert client.get(poll_url(html), headers=HTMX).status_code == 204


def test_the_review_being_written_is_kept(client, in_review):
    client.force_login(UserFactory())
    page = client.get(in_review.get_absolute_url()).text
    assert 'id="review-form"' in page and "hx-preserve" not in page

    html = client.get(f"/coe/{in_review.pk}/live/", headers=HTMX).text

    assert re.search(r'id="review-form"[^>]*hx-preserve', html)


def test_an_approved_coe_does_not_poll(client, in_review):
    coe_review(coe=in_review, actor=UserFactory(), decision=ReviewDecision.APPROVE)
    client.force_login(UserFactory())
    html = client.get(in_review.get_absolute_url()).text
    assert '<div hidden id="coe-live"></div>' in html


def test_a_draft_read_by_someone_who_no_longer_may_is_a_notice(client):
    draft = complete_coe()
    member = UserFactory()
    draft.team.members.add(member)
    client.force_login(member)
    url = poll_url(client.get(draft.get_absolute_url()).text)
    assert client.get(url, headers=HTMX).status_code == 204

    draft.team.members.remove(member)
    response = client.get(url, headers=HTMX)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert "you can no longer read it" in response.text


def test_a_deleted_coe_is_a_notice(client, in_review):
    client.force_login(UserFactory())
    url = poll_url(client.get(in_review.get_absolute_url()).text)
    in_review.action_items.all().delete()
    type(in_review).objects.filter(pk=in_review.pk).delete()
    response = client.get(url, headers=HTMX)
    assert response.status_code == 404 and "no longer exists" in response.text
