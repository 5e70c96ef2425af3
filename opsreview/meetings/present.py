"""Projector mode: the meeting one section per screen, run from a keyboard or a clicker.

Opening it as the facilitator or staff starts the meeting; everyone else watches it read-only,
and their writes (spin, choose, notes, items, finish) are refused with RUN_REFUSED."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from opsreview.actions.forms import ActionItemForm
from opsreview.cloudwatch.metrics import team_has_metrics
from opsreview.org.editing import StaleVersion
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS
from wheel import drawing
from wheel import services as wheel_services
from wheel.models import Spin, Wheel, can_administer_wheels
from wheel.selectors import participants_with_odds

from . import agenda, charts, services
from .models import MeetingSection, MeetingStatus, OpsMeeting, SectionKey

TEMPLATE = "meetings/present.html"
METRICS = "meetings/present_metrics.html"
UNPROCESSABLE = 422
CONFLICT = 409
ITEM_PREFIX = "item"
DONE_REFUSED = "This meeting is done: its minutes are kept as they were."


class NotesForm(forms.Form):
    notes = forms.CharField(required=False, max_length=MARKDOWN_MAX_CHARS, strip=False)
    decisions = forms.CharField(required=False, max_length=MeetingSection.DECISIONS_MAX)
    base_version = forms.IntegerField(min_value=0)


def organisation_wheel() -> Wheel | None:
    """The wheel named by MEETING_WHEEL_SLUG, or the first wheel when it is empty."""
    if settings.MEETING_WHEEL_SLUG:
        return Wheel.objects.filter(slug=settings.MEETING_WHEEL_SLUG).first()
    return Wheel.objects.first()


def _meeting(pk: int) -> OpsMeeting:
    try:  # the projector does not list the attendees
        return agenda.meeting_with_sections(pk, attendees=False)
    except OpsMeeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def _require_runner(request: HttpRequest, meeting: OpsMeeting) -> None:
    if not meeting.can_be_run_by(request.user):
        raise PermissionDenied(services.RUN_REFUSED)


def _present_url(meeting: OpsMeeting, section: str = "", spin: Spin | None = None) -> str:
    url = reverse("meetings:meeting_present", args=[meeting.pk])
    query = "&".join(
        part
        for part in [f"section={section}" if section else "", f"spin={spin.pk}" if spin else ""]
        if part
    )
    return f"{url}?{query}" if query else url


def _leave_url(meeting: OpsMeeting) -> str:
    """The meeting's own page, read as minutes once it is done."""
    return meeting.get_absolute_url()


def _section_key(request: HttpRequest) -> str:
    key = request.GET.get("section", "")
    return key if key in SectionKey.values else SectionKey.SUCCESS


# The wheel, in place


def _shown_spin(request: HttpRequest, wheel: Wheel | None) -> Spin | None:
    """`?spin=<id>`: the result to show after a spin made without JavaScript."""
    pk = request.GET.get("spin", "")
    if wheel is None or not pk.isdecimal():
        return None
    return (
        Spin.objects.select_related("participant__team", "rig__rigged_by")
        .filter(wheel=wheel, pk=pk)
        .first()
    )


def _wheel_context(request: HttpRequest, meeting: OpsMeeting, spin: Spin | None = None) -> dict:
    wheel = organisation_wheel()
    if wheel is None:
        return {"wheel": None}
    spin = spin or _shown_spin(request, wheel)
    participants = participants_with_odds(wheel)
    slices = drawing.slices(participants, proportional=wheel.proportional_slices)
    if spin is None and meeting.spin_id:
        spin = (
            Spin.objects.select_related("participant__team", "rig", "rig__rigged_by")
            .filter(pk=meeting.spin_id, wheel=wheel)
            .first()
        )
    if spin is not None:
        can_admin = can_administer_wheels(request.user)
        spin.rig_visible = spin.rig is not None and spin.rig.is_shown(
            can_admin=can_admin, present=True
        )
    return {"wheel": wheel, "participants": participants, "slices": slices, "spin": spin}


def _metrics_context(request: HttpRequest, meeting: OpsMeeting, figures, **extra) -> dict:
    context = {
        "meeting": meeting,
        "can_run": meeting.can_be_run_by(request.user) and not meeting.is_done,
        "figures": figures,
        "incidents_chart": (
            charts.incidents_per_week(figures.team.name, figures.weeks) if figures else None
        ),
        "has_metric_charts": team_has_metrics(figures.team) if figures else False,
    }
    return context | _wheel_context(request, meeting, extra.pop("spin", None)) | extra


# The page


def _overdue_chart(built: agenda.Agenda) -> charts.Chart:
    overdue = built.section(SectionKey.IMPROVEMENTS).content.overdue
    return charts.overdue_by_team(
        agenda.overdue_by_team(built), total=overdue["total"], team_count=overdue["team_count"]
    )


@require_GET
def meeting_present(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(pk)
    if meeting.status == MeetingStatus.PLANNED and meeting.can_be_run_by(request.user):
        services.meeting_start(meeting=meeting, actor=request.user)
        meeting = _meeting(pk)
    built = agenda.build_agenda(meeting, raised=False)
    current = _section_key(request)
    parts = built.sections
    slides = []
    for n, part in enumerate(parts):
        slides.append(
            {
                "part": part,
                "number": n + 1,
                "previous": parts[n - 1].key if n else "",
                "next": parts[n + 1].key if n + 1 < len(parts) else "",
                "notes_form": _notes_form(part.section),
            }
        )
    metrics = built.section(SectionKey.METRICS).content
    context = _metrics_context(request, meeting, metrics.figures) | {
        "agenda": built,
        "coe_watch": built.section(SectionKey.EVENTS).content.coe_watch,
        "slides": slides,
        "current": current,
        "overdue_chart": _overdue_chart(built),
        "item_form": ActionItemForm(prefix=ITEM_PREFIX),
        "leave_url": _leave_url(meeting),
    }
    return render(request, TEMPLATE, context)


# Writes from the room: each refused to anyone but the facilitator and staff


def _writable(request: HttpRequest, pk: int) -> OpsMeeting:
    meeting = _meeting(pk)
    _require_runner(request, meeting)
    return meeting


@require_POST
def meeting_spin(request: HttpRequest, pk: int) -> HttpResponse:
    """W: the organisation's wheel spins with the same algorithm and records as /wheel/."""
    meeting = _writable(request, pk)
    wheel = organisation_wheel()
    error, spin = "", None
    if meeting.is_done:
        error = DONE_REFUSED
    elif wheel is None:
        error = "There is no wheel yet: a wheel admin creates one on the wheel page."
    else:
        try:
            spin = wheel_services.wheel_spin(wheel=wheel, actor=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_present_url(meeting, SectionKey.METRICS, spin))
    context = _wheel_context(request, meeting, spin) | {
        "meeting": meeting,
        "can_run": True,
        "just_spun": spin is not None,
        "spin_error": error,
    }
    status = UNPROCESSABLE if error else 200
    return render(request, f"{METRICS}#outcome", context, status=status)


@require_POST
def meeting_spin_choose(request: HttpRequest, pk: int, spin_pk: int) -> HttpResponse:
    """Choosing the spin commits it on the wheel and makes its team this meeting's presenter."""
    meeting = _writable(request, pk)
    wheel = organisation_wheel()
    spin = get_object_or_404(
        Spin.objects.select_related("participant__team"), pk=spin_pk, wheel=wheel
    )
    error = ""
    try:
        with transaction.atomic():
            spin = wheel_services.wheel_choose(spin=spin, actor=request.user)
            meeting = services.meeting_choose_team(meeting=meeting, actor=request.user, spin=spin)
    except ValidationError as refused:
        error = " ".join(refused.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(_present_url(meeting, SectionKey.METRICS))
    meeting = _meeting(pk)
    _, end = meeting.period()
    figures = agenda.team_figures(meeting.chosen_team, end=end) if meeting.chosen_team else None
    context = _metrics_context(request, meeting, figures, spin=spin, choose_error=error)
    status = UNPROCESSABLE if error else 200
    return render(request, METRICS, context, status=status)


def _notes_form(section: MeetingSection, data=None) -> NotesForm:
    initial = {
        "notes": section.notes,
        "decisions": section.decisions,
        "base_version": section.version,
    }
    return NotesForm(data, initial=initial, prefix=f"notes-{section.key}")


@require_POST
def present_notes(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """N: the section's notes and decisions; a save based on an older version shows both texts."""
    meeting = _writable(request, pk)
    section = get_object_or_404(
        MeetingSection.objects.select_related("meeting"), pk=section_pk, meeting=meeting
    )
    form = _notes_form(section, request.POST)
    context = {"meeting": meeting, "section": section, "can_run": True}
    status = 200
    if meeting.is_done:
        form.is_valid()
        form.add_error(None, DONE_REFUSED)
        status = UNPROCESSABLE
    elif form.is_valid():
        try:
            section = services.section_save(
                section=section,
                actor=request.user,
                notes=form.cleaned_data["notes"],
                decisions=form.cleaned_data["decisions"],
                base_version=form.cleaned_data["base_version"],
            )
        except StaleVersion as stale:
            section = stale.current
            context["stale"] = {"theirs": section, "yours": form.cleaned_data}
            # Saving again from here replaces theirs: the writer has now seen both.
            data = request.POST.copy()
            data[f"{form.prefix}-base_version"] = section.version
            form = _notes_form(section, data)
            status = CONFLICT
        except ValidationError as refused:
            form.add_error(None, refused)
            status = UNPROCESSABLE
        else:
            form = _notes_form(section)
            context["saved"] = True
    else:
        status = UNPROCESSABLE
    context |= {"section": section, "notes_form": form, "oob": True}
    if request.htmx and request.POST.get("autosave") == "1":
        if status == 200:
            # Typing goes on in the box: only the status, the version and the slide change.
            context["oob_version"] = True
            return render(request, f"{TEMPLATE}#notes-status", context)
        response = render(request, f"{TEMPLATE}#notes", context, status=status)
        response["HX-Retarget"] = f"#notes-form-{section.key}"
        response["HX-Reswap"] = "outerHTML"
        return response
    if not request.htmx:
        if status == 200:
            messages.success(request, f"Saved the notes of “{section.get_key_display()}”.")
        else:
            messages.error(request, "The notes were not saved: open them again to see why.")
        return redirect(_present_url(meeting, section.key))
    return render(request, f"{TEMPLATE}#notes", context, status=status)


@require_POST
def present_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A: an action item raised in the room, its source this meeting."""
    meeting = _writable(request, pk)
    form = ActionItemForm(request.POST, prefix=ITEM_PREFIX)
    added = None
    if meeting.is_done:
        form.is_valid()
        form.add_error(None, DONE_REFUSED)
    elif form.is_valid():
        try:
            added = services.meeting_item_add(
                meeting=meeting, actor=request.user, **form.item_fields()
            )
        except ValidationError as refused:
            form.add_error(None, refused)
    if added:
        form = ActionItemForm(prefix=ITEM_PREFIX)
    section = request.POST.get("section", "")
    section = section if section in SectionKey.values else ""
    if not request.htmx:
        if added:
            messages.success(request, f"Added “{added.title}”.")
        else:
            messages.error(request, "The item was not added: open the form again to see why.")
        return redirect(_present_url(meeting, section))
    context = {"meeting": meeting, "item_form": form, "added": added, "can_run": True}
    return render(request, f"{TEMPLATE}#item", context, status=200 if added else UNPROCESSABLE)


@require_POST
def present_finish(request: HttpRequest, pk: int) -> HttpResponse:
    """Finish: the notes, decisions and chosen team stand as the minutes; the minutes page opens."""
    meeting = _writable(request, pk)
    try:
        services.meeting_finish(meeting=meeting, actor=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{meeting} is done: the minutes go to the attendees.")
    return redirect(_leave_url(meeting))
