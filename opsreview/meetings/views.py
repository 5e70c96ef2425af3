"""The meeting pages: the list, the meeting itself (prepared, run, then read as minutes), and the
two things anyone signed in adds to a meeting: a win and a COE to go through."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from incidents.models import Severity
from opsreview.actions import selectors as item_selectors
from opsreview.actions.forms import ActionItemForm
from opsreview.actions.models import Term
from opsreview.cloudwatch.metrics import metric_charts_end, team_has_metrics, team_metric_charts
from opsreview.org.editing import StaleVersion
from opsreview.org.zones import site_today

from . import forms, services
from .agenda import build_agenda, meeting_with_sections
from .models import MeetingSection, OpsMeeting, SectionKey, iso_week
from .services import RUN_REFUSED

PAGE_SIZE = 20
UNPROCESSABLE = 422
CONFLICT = 409
DETAIL = "meetings/meeting_detail.html"
METRIC_CHARTS = "meetings/metric_charts.html"
METRIC_CHARTS_PAGE = "meetings/metric_charts_page.html"


def _safe_next(request: HttpRequest) -> str:
    """A path on this site to go back to; anything else is ignored."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target.startswith("/") and allowed else ""


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# The list


def _render_list(request: HttpRequest, *, prepare_form=None, status: int = 200) -> HttpResponse:
    this_week = iso_week(site_today())
    meetings = OpsMeeting.objects.select_related("facilitator")
    past = Paginator(meetings.filter(week__lt=this_week).order_by("-week"), PAGE_SIZE)
    context = {
        "this_week": this_week,
        "current": meetings.filter(week=this_week).first(),
        "upcoming": list(meetings.filter(week__gt=this_week).order_by("week")),
        "page": past.get_page(request.GET.get("page")),
        "prepare_form": prepare_form or forms.PrepareForm(),
    }
    return render(request, "meetings/meeting_list.html", context, status=status)


@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request)


@require_POST
def meeting_prepare(request: HttpRequest) -> HttpResponse:
    """This week's meeting, or a later week's; a week that has one opens it."""
    form = forms.PrepareForm(request.POST)
    if not form.is_valid():
        return _render_list(request, prepare_form=form, status=UNPROCESSABLE)
    week = form.cleaned_data["week"] or None
    meeting, created = services.meeting_prepare(actor=request.user, week=week)
    if created:
        messages.success(request, f"The meeting of {meeting.week} is prepared.")
    return redirect(meeting)


# The meeting


def _get_meeting(pk: int, viewer=None) -> OpsMeeting:
    try:
        return meeting_with_sections(pk, viewer=viewer)
    except OpsMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def _get_meeting_to_run(request: HttpRequest, pk: int) -> OpsMeeting:
    meeting = _get_meeting(pk)
    if not meeting.can_be_run_by(request.user):
        raise PermissionDenied(RUN_REFUSED)
    return meeting


def _section_part(section: MeetingSection, form=None, conflict=None) -> dict:
    return {
        "section": section,
        "form": form or forms.SectionForm.for_section(section),
        "conflict": conflict,
    }


def _item_form(meeting: OpsMeeting, user) -> ActionItemForm:
    if hasattr(meeting, "viewer_team_id"):  # looked up with the meeting
        first_team_id = meeting.viewer_team_id
    else:
        first_team_id = user.teams.order_by("name").values_list("pk", flat=True).first()
    return ActionItemForm(initial={"owner": user, "team": first_team_id}, prefix="item")


def _items(meeting: OpsMeeting, user) -> list:
    items = meeting.action_items.select_related("owner", "team", "meeting").order_by(
        "due_date", "pk"
    )
    return item_selectors.mark_changeable(items, user, getattr(meeting, "viewer_scope", None))


def _detail_context(request: HttpRequest, meeting: OpsMeeting, *, parts=None, **extra) -> dict:
    user = request.user
    can_run = meeting.can_be_run_by(user) and not meeting.is_done
    agenda = build_agenda(meeting, viewer=user)
    parts = parts or {}
    sections = [
        {"agenda": part, **(parts.get(part.key) or _section_part(part.section))}
        for part in agenda.sections
    ]
    context = {
        "meeting": meeting,
        "agenda": agenda,
        "sections": sections,
        "can_run": can_run,
        "items": agenda.section(SectionKey.IMPROVEMENTS).content.raised_here,
        "is_this_week": meeting.week == iso_week(site_today()),
        "win_form": forms.WinForm(),
        "severities": list(Severity),
        "terms": Term.choices,
        "has_metric_charts": team_has_metrics(meeting.chosen_team),
    }
    if can_run:
        context["settings_form"] = forms.MeetingSettingsForm(
            initial=forms.MeetingSettingsForm.initial_for(meeting)
        )
        context["item_form"] = _item_form(meeting, user)
    return {**context, **extra}


def _render_detail(request, meeting, *, status: int = 200, **overrides) -> HttpResponse:
    return render(request, DETAIL, _detail_context(request, meeting, **overrides), status=status)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _get_meeting(pk, viewer=request.user))


@require_GET
def meeting_metric_charts(request: HttpRequest, pk: int) -> HttpResponse:
    """The chosen team's key metrics, loaded after the page (on the meeting's page and the
    projector alike), so reading CloudWatch never holds either up. For a meeting that is done,
    the week before it finished: the minutes show what the room saw."""
    meeting = get_object_or_404(OpsMeeting.objects.select_related("chosen_team"), pk=pk)
    team = meeting.chosen_team
    end = metric_charts_end(meeting.finished_at if meeting.is_done else None)
    context = {
        "meeting": meeting,
        "team": team,
        "metric_charts": team_metric_charts(team, end=end) if team else [],
    }
    template = METRIC_CHARTS if request.htmx else METRIC_CHARTS_PAGE
    return render(request, template, context)


@require_POST
def meeting_update(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting_to_run(request, pk)
    form = forms.MeetingSettingsForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_update(meeting=meeting, actor=request.user, **form.update_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Meeting settings saved.")
            return redirect(f"{meeting.get_absolute_url()}#settings")
    return _render_detail(request, _get_meeting(pk), status=UNPROCESSABLE, settings_form=form)


def _lifecycle(service, done_message: str):
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        meeting = _get_meeting_to_run(request, pk)
        try:
            service(meeting=meeting, actor=request.user)
        except ValidationError as error:
            return _render_detail(
                request, _get_meeting(pk), status=UNPROCESSABLE, refusal=_error_text(error)
            )
        messages.success(request, done_message)
        return redirect(meeting)

    return view


meeting_start = _lifecycle(services.meeting_start, "The meeting has started.")
meeting_finish = _lifecycle(
    services.meeting_finish, "The meeting is done; the minutes are on their way to the attendees."
)


@require_POST
def section_save(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Autosave (htmx) or the Save button (plain form) of one section's notes and decisions."""
    meeting = _get_meeting_to_run(request, pk)
    if key not in SectionKey.values:
        raise Http404(f"A meeting has no section called {key!r}.")
    section = get_object_or_404(MeetingSection, meeting=meeting, key=key)
    form = forms.SectionForm.for_section(section, request.POST)
    if not form.is_valid():
        return _section_refused(request, meeting, section, form, status=UNPROCESSABLE)
    data = form.cleaned_data
    try:
        saved = services.section_save(
            section=section,
            actor=request.user,
            notes=data["notes"],
            decisions=data["decisions"],
            base_version=data["version"],
        )
    except StaleVersion as stale:
        conflict = {"theirs": stale.current}
        return _section_refused(request, meeting, section, form, status=CONFLICT, conflict=conflict)
    except ValidationError as error:
        form.add_error(None, error)
        return _section_refused(request, meeting, section, form, status=UNPROCESSABLE)
    if not request.htmx:
        messages.success(request, f"Saved the notes of {saved.get_key_display().lower()}.")
        return redirect(f"{meeting.get_absolute_url()}#section-{key}")
    return render(request, f"{DETAIL}#saved", {"section": saved})


def _section_refused(request, meeting, section, form, *, status, conflict=None) -> HttpResponse:
    key = section.key
    if request.htmx and conflict:
        theirs = conflict["theirs"]
        if request.POST.get(f"{key}-conflict-seen") == str(theirs.version):
            # Already on screen: keep the notice (and the button being clicked) where it is.
            return reswap(HttpResponse(status=status), "none")
        # The writer's text stays in their boxes; only the notice with the other text goes in.
        response = render(request, f"{DETAIL}#conflict", {"theirs": theirs}, status=status)
        return reswap(retarget(response, f"#conflict-{key}"), "innerHTML")
    if conflict:
        # The form now carries the writer's text on top of the version saved meanwhile.
        data = request.POST.copy()
        data[f"{key}-version"] = conflict["theirs"].version
        form = forms.SectionForm.for_section(section, data)
        form.is_valid()
    part = _section_part(section, form=form, conflict=conflict)
    if not request.htmx:
        return _render_detail(request, _get_meeting(meeting.pk), status=status, parts={key: part})
    context = {"part": part, "meeting": meeting}
    response = render(request, f"{DETAIL}#section-form", context, status=status)
    return reswap(retarget(response, f"#form-{key}"), "outerHTML")


@require_POST
def meeting_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _get_meeting_to_run(request, pk)
    form = ActionItemForm(request.POST, prefix="item")
    if form.is_valid():
        try:
            services.meeting_item_add(meeting=meeting, actor=request.user, **form.item_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not request.htmx:
                messages.success(request, "Action item added.")
                return redirect(f"{meeting.get_absolute_url()}#meeting-items")
            form = None
    status = UNPROCESSABLE if form is not None else 200
    meeting = _get_meeting(pk)
    overrides = {"item_form": form} if form is not None else {}
    if not request.htmx:
        return _render_detail(request, meeting, status=status, **overrides)
    context = {
        "meeting": meeting,
        "can_run": True,
        "items": _items(meeting, request.user),
        "item_form": form or _item_form(meeting, request.user),
    }
    return render(request, f"{DETAIL}#meeting-items", context, status=status)


# Wins and deep dives: anyone signed in


@require_POST
def win_post(request: HttpRequest) -> HttpResponse:
    form = forms.WinForm(request.POST)
    if form.is_valid():
        try:
            services.win_post(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Win posted: it opens this week's ops meeting.")
            return redirect(_safe_next(request) or "meetings:meeting_list")
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "meetings/win_form.html", context, status=UNPROCESSABLE)


@require_POST
def deep_dive_queue(request: HttpRequest) -> HttpResponse:
    form = forms.DeepDiveForm(request.POST)
    valid = form.is_valid()
    coe = form.cleaned_data.get("coe")
    if coe is not None and not services.can_queue_deep_dive(coe, request.user):
        raise PermissionDenied(services.DEEP_DIVE_REFUSED)
    if valid:
        try:
            dive = services.deep_dive_queue(
                coe=coe, actor=request.user, week=form.cleaned_data["week"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Queued for a deep dive in the meeting of {dive.week}.")
            return redirect(_safe_next(request) or coe.get_absolute_url())
    queued = list(coe.deep_dives.order_by("week")) if coe else []
    context = {
        "form": form,
        "coe": coe,
        "queued": queued,
        "show": True,
        "next": _safe_next(request),
    }
    return render(request, "meetings/deep_dive_form.html", context, status=UNPROCESSABLE)
