"""/teams/: the organisation's teams, each with its services, people and items."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from .. import selectors
from ..forms import TeamForm
from ..models import Team
from ..pagination import page_by_name
from ..services import team_update

UNPROCESSABLE = 422
TEAMS_PER_PAGE = 50


def team_list(request: HttpRequest) -> HttpResponse:
    page = page_by_name(selectors.team_list(), request.GET, TEAMS_PER_PAGE)
    return render(request, "org/team_list.html", {"page": page, "teams": page.object_list})


def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(selectors.team_detail(slug))
    context = {"team": team, "can_edit": team.can_be_edited_by(request.user)}
    return render(request, "org/team_detail.html", context)


def _get_team_for_edit(request: HttpRequest, slug: str) -> Team:
    team = get_object_or_404(Team.objects.select_related("manager"), slug=slug)
    if not team.can_be_edited_by(request.user):
        raise PermissionDenied("Only staff or the team's manager can edit this team.")
    return team


def team_edit(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_edit(request, slug)
    form = TeamForm(request.POST or None, instance=team, actor=request.user)
    if request.method == "POST" and form.is_valid():
        team_update(
            team=team,
            actor=request.user,
            changes=form.changes(),
            members=form.cleaned_data["members"],
        )
        messages.success(request, f"Saved {team.name}.")
        return redirect(team)
    status = 422 if form.errors else 200
    return render(request, "org/team_edit.html", {"team": team, "form": form}, status=status)
