"""The COE page makes the same few queries however much the COE and the organisation hold, and
shows stored markdown and findings without working them out again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coe import services
from coe.models import (
    CoeComment,
    CoeImage,
    CoeReview,
    CoeReviewer,
    CoeText,
    CoeThread,
    ReviewDecision,
    ReviewerState,
    Status,
)
from opsreview.actions.models import Term
from opsreview.org import rendering, stored_markdown
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

from .factories import add_factor, add_item, complete_coe, save_text, team_item

pytestmark = pytest.mark.django_db


def _reviewed_coe():
    """A complete COE sent back once by a reviewer, with a finding its author kept."""
    coe = complete_coe()
    save_text(coe, "lessons", "The customer's ticket said “operator error”.")
    services.blameless_acknowledge(
        coe=coe,
        actor=coe.created_by,
        fingerprint="lessons:phrase:operator error",
        reason="The customer's own words.",
    )
    services.coe_submit(coe=coe, actor=coe.created_by)
    services.coe_review(
        coe=coe,
        actor=UserFactory(),
        decision=ReviewDecision.REQUEST_CHANGES,
        comment="More *data*.",
    )
    coe.refresh_from_db()
    return coe


def _grow(coe, *, reviewers=True):
    def grow():
        author = coe.created_by
        if reviewers:  # named, each with a state; a reviewer's own test keeps them unnamed
            for state in [*ReviewerState.values] * 2:
                CoeReviewer.objects.create(
                    coe=coe, reviewer=UserFactory(), requested_by=author, state=state
                )
        for n in range(30):
            add_item(coe, title=f"Canary stage {n}", term=Term.LONG)
        for n in range(5):
            team_item(TeamFactory(), due_date=timezone.localdate() + timedelta(days=n))
        for n in range(5):
            for key in ("summary", "metrics", "lessons"):
                save_text(coe, key, f"{key} rewritten {n}: human error, take {n}.", author)
        for n in range(10):
            CoeReview.objects.create(
                coe=coe, reviewer=UserFactory(), decision=ReviewDecision.APPROVE, comment=f"*{n}*"
            )
        UserFactory.create_batch(30)
        for _ in range(10):
            TeamFactory(members=UserFactory.create_batch(3))
        start = timezone.now() - timedelta(hours=5)
        for n in range(30):
            services.coe_timeline_entry_add(
                coe=coe, actor=author, occurred_at=start + timedelta(minutes=n), text=f"Step {n}"
            )
        for n in range(3):
            add_factor(coe, title=f"Factor {n}")
        for key in ("summary", "lessons"):  # threads, each with replies
            thread = CoeThread.objects.create(coe=coe, section=key, started_by=author)
            for n in range(3):
                CoeComment.objects.create(thread=thread, author=UserFactory(), body=f"*{n}*")
        for n in range(3):  # images attached (the editor lists them)
            CoeImage.objects.create(
                coe=coe,
                section="metrics",
                caption=f"Graph {n}",
                file=f"coe-images/{coe.pk}/graph{n}.png",
                thumbnail=f"coe-images/{coe.pk}/thumbnail{n}.webp",
                content_type="image/png",
                width=10,
                height=10,
                size=100,
                uploaded_by=author,
            )
        for text in coe.texts.all():
            fingerprint = f"{text.key}:phrase:human error"
            if any(f["phrase"] == "human error" for f in CoeText.objects.get(pk=text.pk).findings):
                services.blameless_acknowledge(
                    coe=coe, actor=author, fingerprint=fingerprint, reason="Quoted."
                )

    return grow


def test_the_author_sees_the_page_in_the_same_few_queries_however_much_it_holds(client):
    coe = _reviewed_coe()
    assert coe.status == Status.CHANGES_REQUESTED
    client.force_login(coe.created_by)
    # 16: an editor's page also lists the COE's images (one query). Similar past COEs load
    # after the page (test_similar_coes_are_one_query_after_the_coe).
    assert_query_budget(client, coe.get_absolute_url(), grow=_grow(coe), budget=16)


def test_a_team_member_who_wrote_none_of_it_sees_it_in_the_same_few_queries(client):
    coe = _reviewed_coe()
    member = UserFactory()
    coe.team.members.add(member)
    client.force_login(member)
    # 16: the images, as for the author.
    assert_query_budget(client, coe.get_absolute_url(), grow=_grow(coe), budget=16)


def test_a_reader_from_elsewhere_sees_it_in_the_same_few_queries(client):
    coe = _reviewed_coe()
    client.force_login(UserFactory())
    assert_query_budget(client, coe.get_absolute_url(), grow=_grow(coe), budget=15)


def test_similar_coes_are_one_query_after_the_coe(client):
    coe = _reviewed_coe()
    client.force_login(UserFactory())
    # The session and user (2), the COE with its team (1), authors, reviewers, texts, factors
    # and their steps (5), the similar COEs themselves (1), and the page's banner (1).
    url = f"/coe/{coe.pk}/similar/"
    assert_query_budget(client, url, grow=_grow(coe), budget=10)


def test_a_reviewer_sees_a_coe_in_review_in_the_same_few_queries(client):
    coe = _reviewed_coe()
    services.coe_submit(coe=coe, actor=coe.created_by)
    client.force_login(UserFactory())
    response = client.get(coe.get_absolute_url())
    assert response.context["can_review"]
    assert_query_budget(client, coe.get_absolute_url(), grow=_grow_in_review(coe), budget=15)


def _grow_in_review(coe):
    def grow():
        Coe = type(coe)
        Coe.objects.filter(pk=coe.pk).update(status=Status.CHANGES_REQUESTED)
        _grow(coe, reviewers=False)()
        Coe.objects.filter(pk=coe.pk).update(status=Status.IN_REVIEW)

    return grow


def test_the_checklist_refresh_makes_the_same_few_queries(client):
    coe = _reviewed_coe()
    client.force_login(coe.created_by)
    assert_query_budget(client, f"/coe/{coe.pk}/checklist/", grow=_grow(coe))


def test_the_page_shows_stored_html_and_renders_no_markdown(client, monkeypatch):
    coe = _reviewed_coe()
    CoeText.objects.filter(coe=coe, key="summary").update(
        body="# Rendered now", body_html="<p>stored at save</p>"
    )
    CoeReview.objects.filter(coe=coe).update(comment_html="<p>review stored at save</p>")
    client.force_login(UserFactory())  # a reader: sections shown as HTML, not in editors
    calls = []

    def counting(text, *args, **kwargs):
        calls.append(text)
        return original(text, *args, **kwargs)

    original = rendering.render_markdown
    monkeypatch.setattr(rendering, "render_markdown", counting)
    monkeypatch.setattr(stored_markdown, "render_markdown", counting)

    html = client.get(coe.get_absolute_url()).text

    assert "<p>stored at save</p>" in html
    assert "<p>review stored at save</p>" in html
    assert "<h1>Rendered now</h1>" not in html
    assert calls == []


def test_a_coe_with_many_items_shows_them_a_page_at_a_time(client):
    coe = complete_coe()
    for n in range(119):
        add_item(coe, title=f"Item {n:03}", due_date=timezone.localdate() + timedelta(days=n))
    client.force_login(coe.created_by)
    url = coe.get_absolute_url()

    first = client.get(url)
    assert len(first.context["items"]) == 10
    assert "Items 1\N{EN DASH}10 of 120" in first.text
    assert "?items_page=2#section-corrective_actions" in first.text
    last = client.get(url, {"items_page": 12})
    assert [item.title for item in last.context["items"]][-1] == "Item 118"
    assert "Items 111\N{EN DASH}120 of 120" in last.text
    for nonsense in ("x", "-1", "0", "99999999999999999999999", "[[[["):
        response = client.get(url, {"items_page": nonsense})
        assert response.status_code == 200
        assert len(response.context["items"]) == 10
    # The checklist still counts every item, not the page shown.
    assert "corrective_actions" not in coe.missing_sections()


def test_the_history_page_makes_the_same_few_queries_however_long_the_history(client):
    coe = _reviewed_coe()
    client.force_login(UserFactory())
    assert_query_budget(client, f"/coe/{coe.pk}/history/", grow=_grow(coe))


def test_the_history_comes_a_page_at_a_time_each_save_diffed_against_the_one_before(client):
    coe = complete_coe()
    save_text(coe, "summary", "Version 0")
    for n in range(1, 60):
        save_text(coe, "lessons", f"Lesson {n}")
    save_text(coe, "summary", "Version 1")  # its previous version is on the last page
    client.force_login(coe.created_by)  # a draft: its authors read it
    url = f"/coe/{coe.pk}/history/"

    first = client.get(url)
    changes = first.context["changes"]
    assert len(changes) == 50
    assert changes[0]["label"] == "Summary"
    assert changes[0]["lines"][-2:] == ["-Version 0", "+Version 1"]
    assert changes[1]["lines"][-2:] == ["-Lesson 58", "+Lesson 59"]
    assert "Page 1 of 2" in first.text
    last = client.get(url, {"page": 2}).context["changes"]
    # 1 + 59 + 1 saves here, plus the complete COE's 7 texts; none listed twice.
    assert len(changes) + len(last) == 68
    assert last[-1]["lines"][0].startswith("@@")
