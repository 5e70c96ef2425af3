"""A reviewer sees, section by section, what changed since their last review."""

import pytest
from django.test import Client
from django.urls import reverse

from coe.models import ReviewDecision
from coe.services import coe_review, coe_submit
from tests.org.factories import UserFactory

from .factories import complete_coe, save_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    return UserFactory()


@pytest.fixture
def reviewer():
    return UserFactory()


@pytest.fixture
def sent_back(author, reviewer, time_machine):
    time_machine.move_to("2026-11-20 10:00Z", tick=False)
    coe = complete_coe(actor=author)
    save_text(coe, "lessons", "Canary changes.\nTest the route table.", actor=author)
    coe = coe_submit(coe=coe, actor=author)
    time_machine.move_to("2026-11-21 10:00Z", tick=False)
    coe = coe_review(
        coe=coe, actor=reviewer, decision=ReviewDecision.REQUEST_CHANGES, comment="More."
    )
    time_machine.move_to("2026-11-22 10:00Z", tick=False)
    return coe


def test_each_changed_section_is_shown_as_it_was_reviewed_against_now(
    client: Client, sent_back, author, reviewer
):
    save_text(sent_back, "lessons", "Canary changes.\nTest the route table end to end.", author)
    save_text(
        sent_back, "lessons", "Canary every change.\nTest the route table end to end.", author
    )
    client.force_login(reviewer)

    page = client.get(sent_back.get_absolute_url()).content.decode()
    assert 'data-testid="since-my-review"' in page
    response = client.get(reverse("coe:coe_since_review", args=[sent_back.pk]))

    [change] = response.context["changes"]
    assert change["key"] == "lessons"
    assert "-Canary changes." in change["lines"]
    assert "+Canary every change." in change["lines"]
    assert "+Test the route table end to end." in change["lines"]
    assert change["version_now"] - change["version_then"] == 2


def test_nothing_changed_says_so(client: Client, sent_back, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("coe:coe_since_review", args=[sent_back.pk]))
    assert "No section has changed since your review." in response.content.decode()


def test_someone_who_never_reviewed_it_is_told_so(client: Client, sent_back):
    client.force_login(UserFactory())
    response = client.get(reverse("coe:coe_since_review", args=[sent_back.pk]))
    assert response.status_code == 200
    assert "You have not reviewed this COE yet." in response.content.decode()
    page = client.get(sent_back.get_absolute_url()).content.decode()
    assert 'data-testid="since-my-review"' not in page


def test_text_in_the_diff_is_escaped(client: Client, sent_back, author, reviewer):
    save_text(sent_back, "summary", '<script>alert(1)</script> hx-get="/admin/"', author)
    client.force_login(reviewer)
    page = client.get(reverse("coe:coe_since_review", args=[sent_back.pk])).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
