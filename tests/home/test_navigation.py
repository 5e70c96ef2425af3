"""The layout's links: every area for everyone, Audit and Admin for staff, the current marked."""

import pytest

from tests.org.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_staff_also_get_audit_and_admin_and_others_do_not(client):
    client.force_login(UserFactory(is_staff=True))
    staff = client.get("/teams/").text
    client.force_login(UserFactory())
    engineer = client.get("/teams/").text

    for link in ('<a href="/audit/">Audit</a>', '<a href="/admin/">Admin</a>'):
        assert link in staff
        assert link not in engineer


def test_the_current_area_is_marked_and_the_layout_links_home_and_sign_out(client):
    client.force_login(UserFactory())

    html = client.get("/incidents/").text

    assert '<a href="/incidents/" aria-current="page">Incidents</a>' in html
    assert '<a href="/coe/">COEs</a>' in html
    assert '<a class="brand" href="/">' in html
    assert '<form method="post" action="/accounts/logout/">' in html
