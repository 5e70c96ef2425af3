"""The Markdown export: every section, the five whys, the timeline, the items with owners and
states, and the images, with links that work outside the app; a file that keeps its shape
whatever people typed; and, like the page, nothing of a draft for those who may not read it."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coe.export import coe_markdown
from coe.models import SECTIONS, Coe, CoeImage, Status
from coe.services import coe_submit, coe_timeline_entry_add
from opsreview.actions.models import ItemStatus, Term
from opsreview.org.rendering import render_markdown
from tests.org.factories import TeamFactory, UserFactory
from tests.query_budget import assert_query_budget

from .factories import (
    COMPLETE_IMPACT,
    COMPLETE_TEXTS,
    FIVE_WHYS,
    CoeFactory,
    add_factor,
    add_item,
    complete_coe,
    save_text,
)

pytestmark = pytest.mark.django_db

SITE = "http://testserver"
GRAPH = "![graph](/coe/1/images/2/)"


def site_url(path: str) -> str:
    return f"{SITE}{path}"


def export_url(coe: Coe) -> str:
    return reverse("coe:coe_export_markdown", args=[coe.pk])


def markdown_of(coe: Coe) -> str:
    return coe_markdown(Coe.objects.for_editor().get(pk=coe.pk), absolute_url=site_url)


def headings(markdown: str, level: int) -> list[str]:
    """The headings of a level as a markdown renderer reads the file."""
    html = render_markdown(markdown)
    return [
        re.sub(r"<[^>]+>", "", text) for text in re.findall(rf"<h{level}>(.*?)</h{level}>", html)
    ]


def image_of(coe: Coe, caption: str, section: str = "metrics") -> CoeImage:
    """An attached image's row (the export reads the row, never the file)."""
    return CoeImage.objects.create(
        coe=coe,
        section=section,
        caption=caption,
        file=f"coe-images/{coe.pk}/graph.png",
        thumbnail=f"coe-images/{coe.pk}/graph.webp",
        content_type="image/png",
        width=640,
        height=480,
        size=2048,
        uploaded_by=coe.created_by,
    )


@pytest.fixture
def author():
    return UserFactory(username="priya", first_name="Priya", last_name="Raman")


@pytest.fixture
def owner():
    return UserFactory(username="tomas", first_name="Tomás", last_name="Ortega")


@pytest.fixture
def coe(author, owner):
    coe = complete_coe(actor=author, title="Checkout failed in the EU")
    coe.team.members.add(owner)
    add_item(
        coe,
        owner=owner,
        term=Term.SHORT,
        title="Roll back gateway configuration automatically",
        ticket_url="https://tickets.example.com/OPS-42",
    )
    return coe


def test_every_section_is_a_numbered_heading_in_document_order(coe):
    markdown = markdown_of(coe)

    expected = [f"{number}. {section.title}" for number, section in enumerate(SECTIONS, 1)]
    assert headings(markdown, 2) == expected
    assert headings(markdown, 1) == ["Checkout failed in the EU"]
    assert headings(markdown, 3)[:3] == ["Detection", "Diagnosis", "Mitigation"]


def test_every_text_is_in_it_as_written(coe):
    save_text(coe, "related", "See [the runbook](https://runbooks.example.com/gateway) *first*.")

    markdown = markdown_of(coe)

    for body in [*COMPLETE_TEXTS.values(), COMPLETE_IMPACT]:
        assert body in markdown
    assert "See [the runbook](https://runbooks.example.com/gateway) *first*." in markdown
    assert "- **Impact duration:** 42 minutes" in markdown
    assert "- **Customers affected:** 1,200" in markdown
    assert "- **Requests affected:** not stated" in markdown


def test_an_unwritten_text_says_so(author):
    markdown = markdown_of(CoeFactory(actor=author))

    assert markdown.count("_Not written yet._") == 8  # the nine texts but the optional notes
    assert "_No timeline entries yet._" in markdown
    assert "_No contributing factors yet._" in markdown
    assert "_No action items yet._" in markdown


def test_the_five_whys_are_each_step_of_each_factor(coe):
    add_factor(coe, steps=FIVE_WHYS[:2], title="Alarm thresholds")

    markdown = markdown_of(coe)

    assert "### Factor 1: Gateway configuration (Configuration)" in markdown
    assert "### Factor 2: Alarm thresholds (Configuration)" in markdown
    for position, (why, because) in enumerate(FIVE_WHYS, 1):
        assert f"{position}. **Why?** {why}\n\n    **Because** {because}" in markdown
    html = render_markdown(markdown)
    assert html.count("<strong>Because</strong>") == len(FIVE_WHYS) + 2


def test_the_timeline_is_a_table_of_times_in_the_site_time_zone(coe, settings):
    entries = list(coe.timeline_entries.all())
    markdown = markdown_of(coe)

    assert "Times are in the site's time zone, Europe/London." in markdown
    assert "| Time | What happened |" in markdown
    for entry in entries:
        local = timezone.localtime(entry.occurred_at)
        when = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
        assert f"| {when} | {entry.text} |" in markdown


def test_items_are_listed_with_owner_term_state_due_date_and_ticket(coe, owner):
    item = coe.action_items.get(term=Term.SHORT)
    dropped = add_item(coe, title="Rewrite the gateway", term=Term.LONG)
    dropped.status, dropped.wont_do_reason = ItemStatus.WONT_DO, "The new gateway replaces it."
    dropped.save()

    markdown = markdown_of(coe)

    assert "| Action item | Owner | Term | Status | Due | Ticket |" in markdown
    assert (
        f"| [Roll back gateway configuration automatically]({SITE}/actions/{item.pk}/) "
        f"| Tomás Ortega | Short term | Open | {item.due_date.isoformat()} "
        "| <https://tickets.example.com/OPS-42> |"
    ) in markdown
    assert "| Won't do: The new gateway replaces it. |" in markdown
    assert "| Add a canary stage for gateway configuration |" not in markdown  # it is a link
    assert markdown.count(f"]({SITE}/actions/") == 3


def test_an_overdue_item_says_so(coe):
    add_item(
        coe,
        title="Page on checkout errors",
        due_date=timezone.localdate() - timedelta(days=2),
        confirm_past_due=True,
    )

    assert "| Open, overdue |" in markdown_of(coe)


def test_the_header_names_status_team_authors_incident_and_the_page(coe):
    coe = coe_submit(coe=coe, actor=coe.created_by)

    markdown = markdown_of(coe)

    assert "- **Status:** In review" in markdown
    assert f"- **Owning team:** {coe.team.name}" in markdown
    assert "- **Authors:** Priya Raman" in markdown
    assert "- **Submitted:** " in markdown
    assert f"- **Online:** <{SITE}/coe/{coe.pk}/>" in markdown


def test_links_to_this_site_are_made_absolute_and_others_left_alone(coe):
    save_text(
        coe,
        "metrics",
        f"Errors:\n\n{GRAPH}\n\nSee [the incident](/incidents/7/) and "
        "[the dashboard](https://dash.example.com/x).\n\n[runbook]: /runbooks/gateway/\n\n"
        "Written as `![x](/coe/1/images/3/)` in markdown.",
    )

    markdown = markdown_of(coe)

    assert f"![graph]({SITE}/coe/1/images/2/)" in markdown
    assert f"[the incident]({SITE}/incidents/7/)" in markdown
    assert "[the dashboard](https://dash.example.com/x)" in markdown
    assert f"[runbook]: {SITE}/runbooks/gateway/" in markdown
    assert "`![x](/coe/1/images/3/)`" in markdown  # code is shown as written
    assert "](/" not in markdown.replace("`![x](/coe/1/images/3/)`", "")


def test_attached_images_are_listed_with_absolute_links_and_captions(coe):
    graph = image_of(coe, "5XX errors, 14:00-15:00")
    screenshot = image_of(coe, "", section="detection")

    markdown = markdown_of(coe)

    images = markdown.split("## Images", 1)[1]
    assert f"- ![5XX errors, 14:00-15:00]({SITE}/coe/{coe.pk}/images/{graph.pk}/)" in images
    assert "  5XX errors, 14:00-15:00 · Metrics" in images
    assert f"- ![]({SITE}/coe/{coe.pk}/images/{screenshot.pk}/)" in images
    assert f"  Image {screenshot.pk} · Detection" in images
    assert headings(markdown, 2)[-1] == "Images"


def test_without_images_there_is_no_images_part(coe):
    assert "## Images" not in markdown_of(coe)


def test_reviews_are_listed_with_their_comments(coe):
    coe = coe_submit(coe=coe, actor=coe.created_by)
    reviewer = UserFactory(first_name="Rosa", last_name="Lind")
    client = Client()
    client.force_login(reviewer)
    client.post(
        reverse("coe:coe_review", args=[coe.pk]),
        {"decision": "request_changes", "comment": "Say how [detection](/coe/1/) went."},
    )

    markdown = markdown_of(coe)

    assert headings(markdown, 2)[-1] == "Reviews"
    assert "### Changes requested by Rosa Lind, " in markdown
    assert f"Say how [detection]({SITE}/coe/1/) went." in markdown


def test_hostile_titles_and_cells_do_not_break_the_document(coe, author):
    Coe.objects.filter(pk=coe.pk).update(title="Checkout\n# down | again #\n\n## 2. Fake")
    add_item(coe, title="Fix | the [gateway](x) ##", owner=author)
    coe_timeline_entry_add(
        coe=coe, actor=author, occurred_at=timezone.now(), text="First | line\n## Not a heading"
    )
    add_factor(coe, steps=[("Why\n# so?", "Because | of *this*")], title="A\n## factor")

    markdown = markdown_of(coe)
    html = render_markdown(markdown)

    assert headings(markdown, 1) == ["Checkout # down | again # ## 2. Fake"]
    assert len(headings(markdown, 2)) == len(SECTIONS)
    assert "<h3>Factor 2: A ## factor (Configuration)</h3>" in html
    assert "<td>First | line<br>## Not a heading</td>" in html
    assert ">Fix | the [gateway](x) ##</a></td>" in html
    assert "<strong>Why?</strong> Why # so?" in html
    assert "Because | of *this*" in html
    for table in re.findall(r"<table>.*?</table>", html, re.DOTALL):
        columns = len(re.findall(r"<th[ >]", table))
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.DOTALL):
            assert len(re.findall(r"<td[ >]", row)) == columns


def test_a_text_left_open_cannot_swallow_the_sections_after_it(coe):
    save_text(coe, "summary", "The log:\n\n```\n502 502 502")
    save_text(coe, "impact", "<!-- draft note, never closed")
    save_text(coe, "lessons", "~~~~ text\n~~~\nstill code")

    markdown = markdown_of(coe)

    expected = [f"{number}. {section.title}" for number, section in enumerate(SECTIONS, 1)]
    assert headings(markdown, 2) == expected
    assert "```\n502 502 502\n```" in markdown
    assert "~~~~ text\n~~~\nstill code\n~~~~" in markdown


# The download


@pytest.fixture
def as_author(client, author):
    client.force_login(author)
    return client


def test_the_download_is_a_markdown_attachment_named_after_the_coe(as_author, coe):
    response = as_author.get(export_url(coe))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="coe-{coe.pk}-checkout-failed-in-the-eu.md"'
    )
    assert "private" in response["Cache-Control"]
    assert response.content.decode().startswith("# Checkout failed in the EU\n")
    assert f"]({SITE}/actions/" in response.content.decode()


def test_the_filename_stays_ascii_whatever_the_title(as_author, coe):
    Coe.objects.filter(pk=coe.pk).update(title='Café "down"; rm -rf / \r\n🍌')
    response = as_author.get(export_url(coe))
    assert (
        response["Content-Disposition"] == f'attachment; filename="coe-{coe.pk}-cafe-down-rm-rf.md"'
    )

    Coe.objects.filter(pk=coe.pk).update(title="バナナ")
    response = as_author.get(export_url(coe))
    assert response["Content-Disposition"] == f'attachment; filename="coe-{coe.pk}.md"'


def test_a_draft_is_exported_to_its_team_and_to_nobody_outside_it(client, author):
    member = UserFactory()
    draft = CoeFactory(actor=author, team=TeamFactory(members=[member]))
    assert draft.status == Status.DRAFT

    client.force_login(UserFactory())
    assert client.get(export_url(draft)).status_code == 404

    client.force_login(member)
    assert client.get(export_url(draft)).status_code == 200


def test_a_submitted_coe_is_exported_to_anyone_signed_in(client, coe):
    coe_submit(coe=coe, actor=coe.created_by)
    client.force_login(UserFactory())
    assert client.get(export_url(coe)).status_code == 200


def test_a_missing_coe_is_not_found(as_author):
    assert as_author.get(reverse("coe:coe_export_markdown", args=[999_999])).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, coe):
    response = client.get(export_url(coe))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")


def test_the_export_only_reads(as_author, coe):
    assert as_author.post(export_url(coe)).status_code == 405


def test_the_export_makes_as_many_queries_however_much_the_coe_holds(as_author, coe, author):
    def grow():
        for number in range(5):
            add_factor(coe, title=f"Factor {number}")
            add_item(coe, title=f"Item {number}")
            image_of(coe, f"Graph {number}")
            coe_timeline_entry_add(
                coe=coe, actor=author, occurred_at=timezone.now(), text=f"Step {number}"
            )

    assert_query_budget(as_author, export_url(coe), grow=grow)
