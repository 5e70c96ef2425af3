"""The tests that visit every main page (phone layout, accessibility) share one seeded site per
module: seeding the demo for each of some hundred page visits would take minutes."""

import pytest

from .pages import seeded_site


@pytest.fixture(scope="module")
def site(browser, django_db_setup, django_db_blocker, tmp_path_factory):
    with seeded_site(browser, django_db_blocker, tmp_path_factory.mktemp("media")) as site:
        yield site


@pytest.fixture
def transactional_db(site):
    """Every test reads the module's one seeded database, emptied when the module ends; asking
    for this fixture is how pytest-django knows to set up a test database at all."""


@pytest.fixture
def media(site):
    """The module's media, where the demo's graphs were stored (not a folder of this test's)."""
