"""An incident's page lists its latest timeline entries, however long the timeline grows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import TimelineEntry
from incidents.selectors import TIMELINE_SHOWN

from .factories import CallLeaderFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(client):
    leader = CallLeaderFactory().user
    client.force_login(leader)
    incident = IncidentFactory(call_leader=leader, declared_by=leader)
    start = timezone.now() - timedelta(hours=10)
    TimelineEntry.objects.bulk_create(
        TimelineEntry(
            incident=incident,
            author=leader,
            text=f"Entry number {n:03}.",
            occurred_at=start + timedelta(minutes=n),
        )
        for n in range(TIMELINE_SHOWN + 1)
    )
    return incident


def test_a_long_timeline_shows_its_latest_entries_in_time_order_and_offers_the_rest(
    client, incident
):
    html = client.get(f"/incidents/{incident.pk}/").text

    assert "Entry number 000." not in html
    assert html.index("Entry number 001.") < html.index(f"Entry number {TIMELINE_SHOWN:03}.")
    assert html.count('class="timeline-entry') == TIMELINE_SHOWN
    assert f'href="/incidents/{incident.pk}/?timeline=all#timeline"' in html


def test_the_whole_timeline_on_request(client, incident):
    html = client.get(f"/incidents/{incident.pk}/?timeline=all").text

    assert html.count('class="timeline-entry') == TIMELINE_SHOWN + 1
    assert html.index("Entry number 000.") < html.index("Entry number 001.")
    assert 'data-testid="earlier-hidden"' not in html
