from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from opsreview.org import live
from opsreview.org.audit import audit_record
from opsreview.org.models import AuditAction, Service, Team
from opsreview.org.people import display_name

from . import forms, selectors, services
from .context_processors import banner_context
from .gate import ResolutionBlocked, resolution_blockers
from .models import (
    REFERENCE_PREFIX,
    CallLeader,
    Incident,
    IncidentRole,
    Role,
    Status,
    TimelineEntry,
)

PAGE_SIZE = 25
DETAIL = "incidents/incident_detail.html"
# Refused input: the page (or htmx fragment) comes back with the reason, never a blank 500.
UNPROCESSABLE = 422


def _get_incident(pk: int) -> Incident:
    incidents = Incident.objects.select_related(
        "call_leader", "declared_by", "changes_gated_by", "coe"
    )
    return get_object_or_404(
        incidents.prefetch_related(
            Prefetch("teams", queryset=Team.objects.order_by("name")),
            Prefetch("services", queryset=Service.objects.order_by("name")),
            Prefetch("roles", queryset=IncidentRole.objects.select_related("person")),
        ),
        pk=pk,
    )


def _get_incident_for_work(request: HttpRequest, pk: int) -> Incident:
    incident = _get_incident(pk)
    if not incident.can_be_worked_by(request.user):
        raise PermissionDenied(
            "Only the call leader, members of engaged teams and staff can change this incident."
        )
    return incident


def incident_list(request: HttpRequest) -> HttpResponse:
    """The list, with what it shows live: polled with ?live=<token>, it answers 204 until a
    listed incident (or which incidents are listed) changes."""
    polled = request.GET.get("live")
    filters = forms.IncidentFilterForm(_without(request.GET, "live") or None)
    query = _without(request.GET, "live", "page")
    context = {
        "filters": filters,
        "query": query.urlencode(),
        "live_seconds": settings.LIVE_POLL_SECONDS,
    }
    # Unknown filter values are ignored, but a search that cannot be run is said so.
    if filters.is_bound and not filters.is_valid() and "q" in filters.errors:
        return render(request, "incidents/incident_list.html", context, status=400)
    criteria = filters.cleaned_data if filters.is_bound else {}
    incidents = selectors.incident_list(
        q=criteria.get("q", ""),
        status=criteria.get("status", ""),
        severity=criteria.get("severity"),
        team=criteria.get("team"),
    )
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    token = selectors.list_token(page)
    template = "incidents/incident_list.html"
    if polled is not None:
        if polled == token:
            return live.unchanged()
        if request.htmx:
            template += "#results"
    elif Incident.pk_from_reference(criteria.get("q", "")) and len(page.object_list) == 1:
        return redirect(page.object_list[0])
    polling = _without(request.GET, "live")
    polling["live"] = token
    context |= {"page": page, "live_query": polling.urlencode()}
    return render(request, template, context)


def _without(params, *names):
    params = params.copy()
    for name in names:
        params.pop(name, None)
    return params


def incident_new(request: HttpRequest) -> HttpResponse:
    form = forms.DeclareForm(request.POST or None, initial={"call_leader": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_declare(declared_by=request.user, **form.cleaned_data)
        except services.AlreadyDeclared as repeat:
            messages.info(
                request, "This form was sent twice; the incident was declared once. Here it is."
            )
            return redirect(repeat.incident)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Declared {incident}. Mitigate impact first.")
            return redirect(incident)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "incidents/incident_new.html", {"form": form}, status=status)


def _detail_context(request: HttpRequest, incident: Incident, **overrides) -> dict:
    can_work = incident.can_be_worked_by(request.user)
    context = {
        "incident": incident,
        "timeline": selectors.incident_timeline(
            incident, everything=request.GET.get("timeline") == "all"
        ),
        "can_work": can_work,
        "can_gate": incident.can_gate_changes(request.user),
        "update_overdue": incident.update_overdue(),
        "blockers": resolution_blockers(incident) if incident.status == Status.MITIGATED else [],
        "mitigate_form": forms.MitigateForm(),
        "resolve_form": forms.ResolveForm(),
        "reopen_form": forms.ReopenForm(),
        "timeline_form": forms.TimelineEntryForm(),
        "engage_form": forms.EngageTeamForm(incident=incident),
        "role_form": forms.RoleForm(),
        "roles": incident.roles.all(),
        "role_holders": [
            (role.label, [row for row in incident.roles.all() if row.role == role]) for role in Role
        ],
        "live_token": selectors.incident_token(incident),
        "live_seconds": settings.LIVE_POLL_SECONDS,
        "live": False,
    }
    return {**context, **overrides}


def _render_detail(request: HttpRequest, incident: Incident, *, status: int = 200, **overrides):
    template = f"{DETAIL}#incident" if request.htmx else DETAIL
    return render(request, template, _detail_context(request, incident, **overrides), status=status)


# The state whose page shows each status form. A change sent from a page the incident has since
# left (a tab left open, a double click) is refused at the top of the page, where it is seen.
STATUS_FORM_SHOWN_IN = {
    "mitigate_form": {Status.INVESTIGATING},
    "resolve_form": {Status.MITIGATED},
    "reopen_form": {Status.MITIGATED, Status.RESOLVED},
}


def _status_refused(request: HttpRequest, incident: Incident, name: str, form, **extra):
    overrides = {name: form, **extra}
    if incident.status not in STATUS_FORM_SHOWN_IN[name]:
        overrides["refusal"] = form
    return _render_detail(request, incident, status=UNPROCESSABLE, **overrides)


def _changed(request: HttpRequest, incident: Incident, message: str) -> HttpResponse:
    if request.htmx:
        return _render_detail(request, _get_incident(incident.pk))
    messages.success(request, message)
    return redirect(incident)


@require_GET
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get_incident(pk))


@live.polled
@require_GET
def incident_live(request: HttpRequest, pk: int) -> HttpResponse:
    """An open incident's page, polled: 204 while it shows what is current (one query), or the
    page's main part anew, with the forms the viewer is typing into kept as they are."""
    token = selectors.incident_token_now(pk)
    if token is None:
        return live.notice(
            f"{REFERENCE_PREFIX}{pk} no longer exists: it was deleted or merged into another "
            "incident. Changes to it are no longer shown.",
            status=404,
        )
    if request.GET.get("v") == token:
        return live.unchanged()
    response = render(
        request, f"{DETAIL}#incident", _detail_context(request, _get_incident(pk), live=True)
    )
    add_never_cache_headers(response)
    return response


@live.polled
@require_GET
def banner_live(request: HttpRequest) -> HttpResponse:
    """The banner of open major incidents, polled from every page: 204 while unchanged."""
    context = banner_context(selectors.banner_incidents())
    if request.GET.get("v") == context["banner_token"]:
        return live.unchanged()
    response = render(request, "base.html#banner", context)
    add_never_cache_headers(response)
    return response


@require_POST
def incident_mitigate(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    form = forms.MitigateForm(request.POST)
    if form.is_valid():
        try:
            services.incident_mitigate(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, incident, "Impact mitigated.")
    return _status_refused(request, incident, "mitigate_form", form)


@require_POST
def incident_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    form = forms.ResolveForm(request.POST)
    if form.is_valid():
        try:
            services.incident_resolve(incident=incident, actor=request.user, **form.cleaned_data)
        except ResolutionBlocked as refusal:
            form.add_error(None, "Not resolved: finish the short-term items below first.")
            return _status_refused(
                request, incident, "resolve_form", form, blockers=refusal.blockers
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, incident, "Incident resolved.")
    return _status_refused(request, incident, "resolve_form", form)


@require_POST
def incident_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    form = forms.ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.incident_reopen(incident=incident, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, incident, "Incident reopened.")
    return _status_refused(request, incident, "reopen_form", form)


@require_POST
def incident_engage(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    form = forms.EngageTeamForm(request.POST, incident=incident)
    if form.is_valid():
        team = form.cleaned_data["team"]
        try:
            services.incident_engage_team(incident=incident, team=team, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, incident, f"Engaged {team.name}; its members are emailed.")
    return _render_detail(request, incident, status=UNPROCESSABLE, engage_form=form)


@require_POST
def incident_gate(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident(pk)
    gated = request.POST.get("gated") == "1"
    try:
        services.incident_gate_changes(incident=incident, actor=request.user, gated=gated)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render_detail(request, incident, status=UNPROCESSABLE)
    message = "Production changes are gated." if gated else "Production changes are allowed again."
    return _changed(request, incident, message)


@require_POST
def incident_role_assign(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    form = forms.RoleForm(request.POST)
    if form.is_valid():
        try:
            held = services.incident_role_assign(
                incident=incident, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, incident, f"{held}.")
    # A resolved incident shows no role form: the reason goes at the top of the page.
    refusal = {} if incident.is_open else {"refusal": form}
    return _render_detail(request, incident, status=UNPROCESSABLE, role_form=form, **refusal)


@require_POST
def incident_role_remove(request: HttpRequest, pk: int, role_pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    held = get_object_or_404(IncidentRole.objects.select_related("person"), pk=role_pk, incident=pk)
    try:
        services.incident_role_remove(held=held, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render_detail(request, incident, status=UNPROCESSABLE)
    role = held.get_role_display()
    return _changed(request, incident, f"{display_name(held.person)} is no longer {role}.")


def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    initial = forms.IncidentEditForm.initial_for(incident)
    form = forms.IncidentEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(
                incident=incident,
                actor=request.user,
                changes=form.changes(),
                services=form.cleaned_data["services"],
            )
        except ValidationError as error:
            _refuse(form, error)
        except PermissionDenied as denied:
            form.add_error(None, str(denied))
            audit_record(
                AuditAction.PERMISSION_DENIED,
                target=incident,
                detail=f"{request.method} {request.path}: {denied}",
            )
            status = 403
        else:
            messages.success(request, "Saved.")
            return redirect(incident)
    if form.errors and status == 200:
        status = UNPROCESSABLE
    context = {"incident": incident, "form": form}
    return render(request, "incidents/incident_edit.html", context, status=status)


def _refuse(form, error: ValidationError) -> None:
    """The service's reasons on the form: by the field they name where the form has it, above
    the form where it does not (a change that puts the mitigation before the detection is
    refused for the mitigation time, which this form does not edit)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


@require_POST
def timeline_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = _get_incident_for_work(request, pk)
    form = forms.TimelineEntryForm(request.POST)
    if form.is_valid():
        try:
            services.timeline_entry_add(incident=incident, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not request.htmx:
                return redirect(f"{incident.get_absolute_url()}#timeline")
            incident = _get_incident(pk)
            form = forms.TimelineEntryForm()
    status = UNPROCESSABLE if form.errors else 200
    if request.htmx:
        context = _detail_context(request, incident, timeline_form=form)
        return render(request, f"{DETAIL}#timeline", context, status=status)
    return _render_detail(request, incident, status=status, timeline_form=form)


def _get_entry_for_edit(request: HttpRequest, pk: int, entry_pk: int) -> TimelineEntry:
    entry = get_object_or_404(
        TimelineEntry.objects.select_related("incident", "author"), pk=entry_pk, incident_id=pk
    )
    if not entry.can_be_edited_by(request.user):
        raise PermissionDenied("Only the author can edit this timeline entry.")
    return entry


def timeline_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = _get_entry_for_edit(request, pk, entry_pk)
    initial = {"occurred_at": entry.occurred_at, "text": entry.text}
    form = forms.TimelineEntryEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.timeline_entry_edit(
                entry=entry, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                return render(
                    request, f"{DETAIL}#timeline-entry", {"entry": entry, "user": request.user}
                )
            return redirect(f"{entry.incident.get_absolute_url()}#entry-{entry.pk}")
    status = UNPROCESSABLE if form.errors else 200
    template = "incidents/timeline_entry_edit.html"
    if request.htmx:
        template += "#entry-form"
    return render(request, template, {"entry": entry, "form": form}, status=status)


@require_GET
def timeline_entry(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """One entry as shown in the timeline: what "Cancel" on an in-place edit swaps back in."""
    entry = get_object_or_404(
        TimelineEntry.objects.select_related("author"), pk=entry_pk, incident_id=pk
    )
    return render(request, f"{DETAIL}#timeline-entry", {"entry": entry})


@require_GET
def call_leader_roster(request: HttpRequest) -> HttpResponse:
    leaders = (
        CallLeader.objects.select_related("user")
        .prefetch_related(
            "shadows",
            Prefetch(
                "user__incidents_led",
                queryset=Incident.objects.order_by("-detected_at"),
                to_attr="led",
            ),
        )
        .order_by("-is_active", "user__first_name", "user__username")
    )
    return render(request, "incidents/call_leader_roster.html", {"leaders": leaders})
