import logging

from celery import current_app as celery_app
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors
from .audit import audit_record
from .forms import AuditFilterForm, LockoutClearForm, TeamForm
from .models import AuditAction, AuditEvent, Team
from .services import lockout_clear, team_update

logger = logging.getLogger(__name__)

AUDIT_PAGE_SIZE = 50
TOO_MANY_REQUESTS = 429
UNPROCESSABLE = 422


def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "org/team_list.html", {"teams": selectors.team_list()})


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


# Sign-in throttling and the audit log


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: every refusal is audited, then answered with the usual 403 page."""
    audit_record(
        AuditAction.PERMISSION_DENIED,
        detail=f"{request.method} {request.path[:300]}: {exception}",
        request=request,
    )
    return defaults.permission_denied(request, exception)


def _safe_next(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


def login_locked_out(request: HttpRequest, original_response=None, credentials=None):
    """django-axes' answer to a locked account or address: the sign-in page, saying why."""
    context = {
        "form": AuthenticationForm(request),
        "next": _safe_next(request),
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    return render(request, "registration/login.html", context, status=TOO_MANY_REQUESTS)


def _staff_only(request: HttpRequest, reason: str) -> None:
    if not request.user.is_staff:
        raise PermissionDenied(reason)


def _unlocked_message(request: HttpRequest, data: dict, failures: int) -> None:
    what = f"account “{data['username']}”" if data["username"] else f"address {data['ip_address']}"
    if failures:
        messages.success(request, f"Unlocked {what}: it can sign in again now.")
    else:
        messages.info(request, f"Nothing to unlock: the lock-out of {what} had already ended.")


@require_http_methods(["GET", "POST"])
def lockout_list(request: HttpRequest) -> HttpResponse:
    """Accounts and addresses locked out of sign-in, each with an Unlock button (staff)."""
    _staff_only(request, "Only staff can see and clear sign-in lock-outs.")
    form = LockoutClearForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        failures = lockout_clear(actor=request.user, request=request, **form.cleaned_data)
        _unlocked_message(request, form.cleaned_data, failures)
        return redirect("lockout_list")
    context = {
        "lockouts": selectors.lockouts_current(),
        "form": form,
        "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "lockout_minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "org/lockout_list.html", context, status=status)


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Who did what and when, newest first, by action and by person (staff)."""
    _staff_only(request, "Only staff can read the audit log.")
    filters = AuditFilterForm(request.GET)
    valid = filters.is_valid()
    events = selectors.audit_events(**filters.cleaned_data) if valid else AuditEvent.objects.none()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(),
    }
    status = 200 if valid else UNPROCESSABLE
    return render(request, "org/audit_log.html", context, status=status)
