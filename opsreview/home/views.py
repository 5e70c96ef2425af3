from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from coe.selectors import coe_work_for, coes_overdue_for_review
from incidents.selectors import incidents_without_coe, open_incidents_for_user
from opsreview.actions.selectors import items_needing_attention
from opsreview.meetings.forms import WinForm
from opsreview.meetings.models import OpsMeeting, iso_week
from opsreview.org import selectors as org_selectors
from opsreview.org.pagination import excerpt
from opsreview.org.zones import site_today
from opsreview.reports.builder import build_weekly_report, current_period
from opsreview.reports.models import ReportKind

INCIDENTS_SHOWN = 10
TEAMS_SHOWN = 10


def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "my_teams": org_selectors.teams_for_user(request.user),
        "my_incidents": open_incidents_for_user(request.user)[:INCIDENTS_SHOWN],
        "my_items": items_needing_attention(request.user),
        "this_week_meeting": OpsMeeting.objects.filter(week=iso_week(site_today())).first(),
        "win_form": WinForm(),
        "coe_work": coe_work_for(request.user),
    }
    if getattr(request.user, "manages_a_team", False):
        # The weekly email as it stands today (the same builder), without last week's figure.
        period = current_period(ReportKind.WEEKLY, site_today())
        context["report"] = build_weekly_report(request.user, period=period, compare=False)
    if request.user.is_staff:
        context["teams_needing_attention"] = excerpt(
            org_selectors.teams_needing_attention().order_by("name"), TEAMS_SHOWN
        )
        context["coes_overdue_for_review"] = coes_overdue_for_review(now=timezone.now())
        context["incidents_without_coe"] = excerpt(incidents_without_coe(), TEAMS_SHOWN)
    return render(request, "home/dashboard.html", context)
