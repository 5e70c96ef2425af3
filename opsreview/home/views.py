from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from incidents.selectors import open_incidents_for_user
from opsreview.actions.selectors import items_needing_attention
from opsreview.meetings.forms import WinForm
from opsreview.meetings.models import OpsMeeting, iso_week
from opsreview.org import selectors as org_selectors
from opsreview.org.pagination import excerpt

INCIDENTS_SHOWN = 10
TEAMS_SHOWN = 10


def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "my_teams": org_selectors.teams_for_user(request.user),
        "my_incidents": open_incidents_for_user(request.user)[:INCIDENTS_SHOWN],
        "my_items": items_needing_attention(request.user),
        "this_week_meeting": OpsMeeting.objects.filter(week=iso_week(timezone.localdate())).first(),
        "win_form": WinForm(),
    }
    if request.user.is_staff:
        context["teams_needing_attention"] = excerpt(
            org_selectors.teams_needing_attention().order_by("name"), TEAMS_SHOWN
        )
    return render(request, "home/dashboard.html", context)
