from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from incidents.selectors import open_incidents_for_user
from opsreview.actions.selectors import items_needing_attention
from opsreview.org import selectors as org_selectors


def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "my_teams": org_selectors.teams_for_user(request.user),
        "my_incidents": open_incidents_for_user(request.user),
        "my_items": items_needing_attention(request.user),
    }
    if request.user.is_staff:
        context["teams_needing_attention"] = org_selectors.teams_needing_attention()
    return render(request, "home/dashboard.html", context)
