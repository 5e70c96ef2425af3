import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from opsreview.meetings import services
from opsreview.meetings.models import MeetingEmail, MeetingSection, OpsMeeting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_prepare_the_week_take_notes_as_you_type_and_meet_a_concurrent_edit(
    demo, sign_in, live_server
):
    page = sign_in("admin")  # staff: runs this week's meeting, whoever prepared it
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Ops meetings", exact=True)).to_be_visible()
    if OpsMeeting.objects.exists():
        page.get_by_role("link", name="Open this week's meeting").click()
    else:
        page.get_by_role("button", name="Prepare this week's meeting").click()
    meeting = OpsMeeting.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    for heading in ("Share and celebrate success", "Review operational events"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()

    # Notes save themselves as they are typed (once htmx has started on the loaded page).
    page.wait_for_load_state()
    success = page.locator("#section-success")
    success.get_by_label("Notes", exact=True).fill("**Zero** pages this weekend.")
    expect(page.locator("#status-success")).to_contain_text("Saved at")
    section = MeetingSection.objects.get(meeting=meeting, key="success")
    assert section.notes == "**Zero** pages this weekend."

    # Someone else saves meanwhile: the next autosave shows their text and keeps ours.
    services.section_save(
        section=section,
        actor=get_user_model().objects.create(username="deputy", is_staff=True),
        notes="Their version of the notes.",
        decisions="",
        base_version=section.version,
    )
    success.get_by_label("Notes", exact=True).fill("Our longer version of the notes.")
    conflict = page.locator("#conflict-success")
    expect(conflict).to_contain_text("while you were writing")
    expect(conflict.locator("textarea").first).to_have_value("Their version of the notes.")
    expect(success.get_by_label("Notes", exact=True)).to_have_value(
        "Our longer version of the notes."
    )

    conflict.get_by_role("button", name="Save my merged text").click()
    expect(page.locator("#status-success")).to_contain_text("Saved at")
    expect(conflict).to_be_empty()
    section.refresh_from_db()
    assert section.notes == "Our longer version of the notes."

    # An action item raised in place.
    page.get_by_text("Add an action item").click()
    items = page.locator("#meeting-items")
    items.get_by_label("Title").fill("Page the storage team earlier")
    items.get_by_role("combobox", name="Team").fill("banana-storage")
    items.get_by_role("button", name="Add item").click()
    expect(items.get_by_test_id("action-item")).to_contain_text("Page the storage team earlier")

    # Finished, it reads as minutes, and the minutes went to each attendee with an address.
    page.get_by_role("button", name="Finish and send the minutes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes of the")
    with_address = meeting.attendees.exclude(email="").count()
    sent = MeetingEmail.objects.filter(meeting=meeting, kind="minutes", sent_at__isnull=False)
    assert with_address and sent.count() == with_address
    expect(page.locator("#section-success .prose")).to_contain_text("Our longer version")
    expect(page.locator("textarea")).to_have_count(0)
