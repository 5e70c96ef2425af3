import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from coe.selectors import action_item_list, items_needing_attention, mark_changeable
from incidents.selectors import open_incidents_for_user

from . import selectors
from .celery import app as celery_app
from .forms import TeamForm
from .models import Team
from .services import team_update

logger = logging.getLogger(__name__)


def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "my_teams": selectors.teams_for_user(request.user),
        "my_incidents": open_incidents_for_user(request.user),
        "my_items": items_needing_attention(request.user),
    }
    if request.user.is_staff:
        context["teams_needing_attention"] = selectors.teams_needing_attention()
    return render(request, "opsreview/dashboard.html", context)


def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "opsreview/team_list.html", {"teams": selectors.team_list()})


def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team = get_object_or_404(selectors.team_detail(slug))
    items = action_item_list(team=team)
    context = {
        "team": team,
        "can_edit": team.can_be_edited_by(request.user),
        "items": mark_changeable(items[:50], request.user),
        "item_count": items.count(),
        "overdue_count": items.overdue().count(),
    }
    return render(request, "opsreview/team_detail.html", context)


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
    return render(request, "opsreview/team_edit.html", {"team": team, "form": form})


def meeting_list(request: HttpRequest) -> HttpResponse:
    return render(request, "opsreview/meeting_list.html")


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: the database did not answer")
        return "unavailable"
    return "ok"


def _broker_status() -> str:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception:
        logger.exception("Health check: the Celery broker did not answer")
        return "unavailable"
    return "ok"


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (a load balancer keeps the node); 503 when it does not."""
    database = _database_status()
    body = {
        "status": "ok" if database == "ok" else "unavailable",
        "database": database,
        "broker": _broker_status(),
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)
