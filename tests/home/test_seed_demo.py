import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from opsreview.org.demo import DEMO_PASSWORD
from opsreview.org.models import Service, Team

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list]:
    """Every row of every model, so a second run that changes anything at all shows up."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label != "sessions"
    }


def test_seed_demo_builds_bananastand_people_teams_and_services():
    seed()
    assert set(Team.objects.values_list("slug", flat=True)) == {
        "front-door",
        "banana-distributor",
        "banana-requesthandler",
        "banana-orchestrator",
        "banana-storage",
    }
    assert Service.objects.filter(name="BananaStand API Gateway", team__slug="front-door").exists()
    assert all(team.manager and team.dashboard_url for team in Team.objects.all())
    assert Team.objects.get(slug="front-door").members.filter(username="engineer").exists()


@pytest.mark.parametrize("username", ["admin", "manager", "engineer", "callleader"])
def test_demo_users_sign_in_with_the_readme_password(username):
    seed()
    # Sign-in throttling counts by address, so authenticate() always needs the request.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=username, password=DEMO_PASSWORD) is not None


def test_only_the_demo_admin_is_staff():
    seed()
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)
    assert list(staff) == ["admin"]


def test_running_seed_demo_twice_changes_nothing():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first


def test_seed_demo_leaves_edits_to_demo_data_alone():
    seed()
    Team.objects.filter(slug="front-door").update(dashboard_url="https://grafana.example.com/fd")
    seed()
    assert Team.objects.get(slug="front-door").dashboard_url == "https://grafana.example.com/fd"


def test_seeded_urls_pass_their_own_validation():
    seed()
    for obj in [*Team.objects.all(), *Service.objects.all()]:
        obj.full_clean()
