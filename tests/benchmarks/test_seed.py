"""The benchmark seeder at a tiny scale: the shape `make bench` relies on, so it cannot rot.

No timings here: speed is measured by `make bench`, never by tests.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from benchmarks import seed
from coe.findings import findings_refresh
from coe.models import TEXTS, Coe, CoeText
from incidents.models import Incident, TimelineEntry
from opsreview.actions.counts import team_counts
from opsreview.actions.models import ActionItem, ItemStatus
from opsreview.meetings.models import OpsMeeting
from opsreview.org.models import Team
from opsreview.org.rendering import RENDER_POLICY
from opsreview.org.stored_markdown import models_storing_markdown
from opsreview.reports.models import ReportDelivery
from wheel.models import Participant, Spin

pytestmark = pytest.mark.django_db

SCALE = 0.002


@pytest.fixture
def seeded():
    return seed.seed(SCALE, log=lambda *args: None)


def test_counts_follow_the_scale(seeded):
    assert Team.objects.count() == seed.scaled("teams", SCALE, 2) == 2
    assert Incident.objects.count() == seed.scaled("incidents", SCALE) == 40
    assert Coe.objects.count() == seed.scaled("coes", SCALE) == 30
    assert ActionItem.objects.count() == seed.scaled("action_items", SCALE) == 400
    # 10 people (5,000 times 0.002) and the staff member the bench signs in as for staff pages.
    people = get_user_model().objects
    assert people.count() == 11
    assert people.filter(username=seed.BENCH_USERNAME, is_staff=False).exists()
    assert people.filter(username=seed.BENCH_STAFF_USERNAME, is_staff=True).exists()


def test_every_team_has_a_manager_among_its_members(seeded):
    for team in Team.objects.prefetch_related("members"):
        assert team.manager is not None
        assert team.manager in team.members.all()


def test_incidents_have_timelines_and_call_leaders_and_some_are_open(seeded):
    assert not Incident.objects.annotate(n=Count("timeline")).filter(n__lt=2).exists()
    assert Incident.objects.open().exists()
    assert Incident.objects.open().major().exists()  # the banner shows
    assert Incident.objects.filter(pk=seeded.targets["open_incident"]).open().exists()
    assert not Incident.objects.filter(call_leader__call_leader_role__isnull=True).exists()


def test_coes_hold_every_section_with_stored_html(seeded):
    assert not Coe.objects.annotate(n=Count("texts")).exclude(n=len(TEXTS)).exists()
    text = CoeText.objects.first()
    assert 1000 <= len(text.body) <= 3200
    assert text.body_html.startswith("<")
    assert CoeText.objects.filter(body__icontains="rollback").exists()  # search has hits
    assert CoeText.objects.filter(body__contains="should have checked").exists() or (
        CoeText.objects.filter(body__contains="forgot to run").exists()
        or CoeText.objects.filter(body__contains="made a mistake").exists()
    )  # the blameless check has findings
    big = Coe.objects.get(pk=seeded.targets["big_coe"])
    assert big.action_items.count() >= 60
    assert big.factors.annotate(n=Count("steps")).filter(n=5).count() == 3


def test_action_items_come_from_every_source_and_many_are_overdue(seeded):
    items = ActionItem.objects
    assert items.filter(coe__isnull=False).exists()
    assert items.filter(incident__isnull=False).exists()
    assert items.filter(meeting__isnull=False).exists()
    open_share = items.open().count() / items.count()
    assert 0.15 < open_share < 0.45  # about 28%
    assert items.overdue().count() > items.open().count() / 3
    assert items.filter(status=ItemStatus.WONT_DO).exclude(wont_do_reason="").exists()


def test_wheel_meetings_and_report_history(seeded):
    assert Participant.objects.count() == Team.objects.count()
    assert Spin.objects.count() == seed.WEEKS_OF_MEETINGS
    assert OpsMeeting.objects.count() == seed.WEEKS_OF_MEETINGS + 1
    assert OpsMeeting.objects.filter(pk=seeded.targets["meeting"], status="planned").exists()
    assert ReportDelivery.objects.count() == Team.objects.count() * 12


def test_derived_fields_are_filled(seeded):
    for model in models_storing_markdown():
        assert not model.objects.exclude(markdown_policy=RENDER_POLICY).exists(), model
    if connection.vendor == "postgresql":
        assert not Coe.objects.filter(search__isnull=True).exists()
    assert findings_refresh(Coe.objects.all()) == 0  # nothing left to store
    assert CoeText.objects.exclude(findings=[]).exists()  # and some texts have findings
    newest = TimelineEntry.objects.values("incident").annotate(last=Max("created_at"))
    stored = dict(Incident.objects.values_list("pk", "last_update_at"))
    assert {row["incident"]: row["last"] for row in newest} == stored
    open_items = ActionItem.objects.open().values("team").annotate(n=Count("pk"))
    counted = {
        row["pk"]: sum(row["open"].values())
        for row in team_counts(Team.objects, on=timezone.localdate())
    }
    assert {row["team"]: row["n"] for row in open_items}.items() <= counted.items()


def test_derive_runs_again_without_harm(seeded):
    before = list(CoeText.objects.order_by("pk").values_list("body_html", flat=True)[:5])
    seed.derive(log=lambda *args: None)
    assert list(CoeText.objects.order_by("pk").values_list("body_html", flat=True)[:5]) == before
