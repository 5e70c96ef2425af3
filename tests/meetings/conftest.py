import pytest
from django.urls import NoReverseMatch, reverse

from .week import NOW


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def meeting_page_named(settings):
    """Emails link to the meeting's page by name; a stand-in answers it where it is missing."""
    try:
        reverse("meetings:meeting_detail", args=[1])
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.meetings.stand_in_urls"
