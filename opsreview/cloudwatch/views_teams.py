"""/teams/<slug>/cloudwatch/: where a team's alarms are, edited by its manager or staff."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from opsreview.org.models import Team

from . import services
from .forms import AlarmScopeForm, MetricQueryForm
from .models import AlarmScope, MetricQuery

UNPROCESSABLE = 422
BAD_REQUEST = 400
ENDS = {"up": "first", "down": "last"}
TEMPLATE = "cloudwatch/team_scopes.html"
NEW_PREFIX = "new"


def _get_team_for_edit(request: HttpRequest, slug: str) -> Team:
    team = get_object_or_404(Team.objects.select_related("manager"), slug=slug)
    if not team.can_be_edited_by(request.user):
        raise PermissionDenied("Only staff or the team's manager can change its CloudWatch scopes.")
    return team


def _get_scope(team: Team, pk: int) -> AlarmScope:
    scope = get_object_or_404(AlarmScope, team=team, pk=pk)
    scope.team = team
    return scope


def _scope_form(scope: AlarmScope, data=None) -> AlarmScopeForm:
    return AlarmScopeForm(data, instance=scope, prefix=f"scope-{scope.pk}")


def _page(
    request: HttpRequest,
    team: Team,
    *,
    bound: AlarmScopeForm | None = None,
    metric_form: MetricQueryForm | None = None,
):
    """The page; `bound` (or `metric_form`) is a form sent back with errors, shown in place of
    its blank one."""
    forms = []
    for scope in AlarmScope.objects.filter(team=team).order_by("region", "pk"):
        scope.team = team
        form = bound if bound is not None and bound.instance.pk == scope.pk else None
        forms.append(form or _scope_form(scope))
    new_form = bound if bound is not None and bound.instance.pk is None else None
    context = {
        "team": team,
        "scope_forms": forms,
        "new_form": new_form or AlarmScopeForm(prefix=NEW_PREFIX),
        "metric_queries": MetricQuery.objects.filter(team=team)
        .select_related("scope")
        .order_by("position", "pk"),
        "metric_form": metric_form or MetricQueryForm(team=team, prefix="metric"),
        "metrics_max": services.METRICS_PER_TEAM,
    }
    status = UNPROCESSABLE if bound is not None or metric_form is not None else 200
    return render(request, TEMPLATE, context, status=status)


def _saved(form: AlarmScopeForm, service, **arguments) -> bool:
    """Whether the form was valid and the service saved it; the service's refusal becomes the
    form's errors."""
    if not form.is_valid():
        return False
    try:
        service(changes=form.changes(), **arguments)
    except ValidationError as refused:
        form.add_error(None, refused)
        return False
    return True


def _back(team: Team) -> HttpResponse:
    return redirect(reverse("team_cloudwatch", args=[team.slug]))


@require_http_methods(["GET", "POST"])
def team_cloudwatch(request: HttpRequest, slug: str) -> HttpResponse:
    """The team's scopes, each a form; a POST adds one."""
    team = _get_team_for_edit(request, slug)
    if request.method != "POST":
        return _page(request, team)
    form = AlarmScopeForm(request.POST, instance=AlarmScope(team=team), prefix=NEW_PREFIX)
    if not _saved(form, services.alarm_scope_create, team=team, actor=request.user):
        return _page(request, team, bound=form)
    messages.success(request, "Added the scope: its alarms are read within a few minutes.")
    return _back(team)


@require_POST
def team_cloudwatch_scope(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_team_for_edit(request, slug)
    scope = _get_scope(team, pk)
    form = _scope_form(scope, request.POST)
    if not _saved(form, services.alarm_scope_update, scope=scope, actor=request.user):
        return _page(request, team, bound=form)
    messages.success(request, "Saved the scope: its alarms are read again within a few minutes.")
    return _back(team)


@require_POST
def team_cloudwatch_scope_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_team_for_edit(request, slug)
    services.alarm_scope_delete(scope=_get_scope(team, pk), actor=request.user)
    messages.success(request, "Removed the scope and its alarms.")
    return _back(team)


@require_POST
def team_cloudwatch_metric_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_team_for_edit(request, slug)
    form = MetricQueryForm(request.POST, team=team, prefix="metric")
    if not _saved(form, services.metric_query_create, team=team, actor=request.user):
        return _page(request, team, metric_form=form)
    messages.success(request, "Added the metric: the ops meeting charts it when the team presents.")
    return _back(team)


def _get_metric_query(team: Team, pk: int) -> MetricQuery:
    query = get_object_or_404(MetricQuery.objects.select_related("scope"), team=team, pk=pk)
    query.team = team
    return query


def _back_to_metrics(team: Team) -> HttpResponse:
    return redirect(reverse("team_cloudwatch", args=[team.slug]) + "#metrics")


@require_http_methods(["GET", "POST"])
def team_cloudwatch_metric(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One metric as a form, filled in with what it is; a POST changes it in place."""
    team = _get_team_for_edit(request, slug)
    query = _get_metric_query(team, pk)
    label = query.label  # the form writes what it is sent onto the query, saved or not
    data = request.POST if request.method == "POST" else None
    form = MetricQueryForm(data, instance=query, team=team, prefix="metric")
    if data is not None and _saved(
        form, services.metric_query_update, query=query, actor=request.user
    ):
        messages.success(request, f"Saved the metric {query.label}.")
        return _back_to_metrics(team)
    context = {"team": team, "query": query, "label": label, "form": form}
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "cloudwatch/metric_query_edit.html", context, status=status)


@require_POST
def team_cloudwatch_metric_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_team_for_edit(request, slug)
    query = _get_metric_query(team, pk)
    direction = request.POST.get("direction", "")
    if direction not in services.METRIC_MOVES:
        return HttpResponse(
            "Move a metric up or down.",
            status=BAD_REQUEST,
            content_type="text/plain; charset=utf-8",
        )
    if services.metric_query_move(query=query, actor=request.user, direction=direction):
        messages.success(request, f"Moved the metric {query.label} {direction}.")
    else:
        messages.info(request, f"The metric {query.label} is already {ENDS[direction]}.")
    return _back_to_metrics(team)


@require_POST
def team_cloudwatch_metric_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_team_for_edit(request, slug)
    query = get_object_or_404(MetricQuery, team=team, pk=pk)
    services.metric_query_delete(query=query, actor=request.user)
    messages.success(request, f"Removed the metric {query.label}.")
    return _back(team)
