from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST

from . import drawing, forms, selectors, services
from .models import Participant, Rig, Spin, Wheel, can_administer_wheels

DETAIL = "wheel/wheel_detail.html"
# Refused input: the page (or htmx fragment) comes back with the reason, never a blank 500.
UNPROCESSABLE = 422
ODDS_SHOWN = 25  # rows of the odds table: the likeliest participants, the rest summed
EDIT_SHOWN = 25  # participants a wheel admin edits on one screen


def _get_wheel(slug: str) -> Wheel:
    return get_object_or_404(Wheel, slug=slug)


def _require_admin(request: HttpRequest) -> None:
    if not can_administer_wheels(request.user):
        raise PermissionDenied("Only wheel admins can change wheels.")


def _get_participant(wheel: Wheel, pk: int) -> Participant:
    return get_object_or_404(
        Participant.objects.select_related("team", "wheel"), pk=pk, wheel=wheel
    )


def _presenting(request: HttpRequest) -> bool:
    return "1" in (request.GET.get("present"), request.POST.get("present"))


def _detail_url(request: HttpRequest, wheel: Wheel, spin: Spin | None = None) -> str:
    query = "&".join(
        part
        for part in [f"spin={spin.pk}" if spin else "", "present=1" if _presenting(request) else ""]
        if part
    )
    return f"{wheel.get_absolute_url()}{'?' if query else ''}{query}"


def _shown_spin(request: HttpRequest, wheel: Wheel) -> Spin | None:
    """`?spin=<id>`: the result to show after a spin or choice made without JavaScript."""
    pk = request.GET.get("spin", "")
    if not pk.isdecimal():
        return None
    return (
        Spin.objects.select_related("participant__team", "rig", "spun_by", "chosen_by")
        .filter(wheel=wheel, pk=pk)
        .first()
    )


def _rig_shown(rig: Rig | None, *, can_admin: bool, present: bool) -> bool:
    return rig is not None and rig.is_shown(can_admin=can_admin, present=present)


def _editing(request: HttpRequest, wheel: Wheel, edit_forms: dict) -> list[Participant]:
    """The participants whose edit forms are shown: EDIT_SHOWN in wheel order after
    `?edit_after=<id>`, or the ones whose refused forms come back."""
    if edit_forms:
        return [form.participant for form in edit_forms.values()]
    after = request.GET.get("edit_after", "")
    after = int(after) if after.isdecimal() and len(after) < 19 else 0
    return selectors.participants_to_edit(wheel, after=after, limit=EDIT_SHOWN)


def _detail_context(request: HttpRequest, wheel: Wheel, *, whole: bool, **overrides) -> dict:
    """What the page shows; `whole=False` for the outcome alone (after a spin), which leaves out
    the wheel's drawing and the admin's forms."""
    participants = selectors.participants_with_odds(wheel)
    present = _presenting(request)
    # Asked only when something depends on it: the permission check costs two queries.
    can_admin = SimpleLazyObject(lambda: can_administer_wheels(request.user))
    spins = selectors.recent_spins(wheel)
    shown = overrides.get("spin")
    for spin in [*spins, *([shown] if shown else [])]:
        spin.rig_visible = _rig_shown(spin.rig, can_admin=can_admin, present=present)
    rig = selectors.active_rig(wheel)
    context = {
        "wheel": wheel,
        "participants": participants,
        "odds": selectors.likeliest(participants, ODDS_SHOWN),
        "spins": spins,
        "can_admin": can_admin,
        "show_weights": wheel.show_weights or can_admin,
        "rig": rig if _rig_shown(rig, can_admin=can_admin, present=present) else None,
        "present": present,
        "spin": None,
    }
    if whole:
        context["slices"] = drawing.slices(participants, proportional=wheel.proportional_slices)
    if whole and can_admin:
        edit_forms = overrides.pop("edit_forms", {})
        editing = _editing(request, wheel, edit_forms)
        last = participants[-1].pk if participants else None
        context |= {
            "log": selectors.audit_log(wheel),
            "can_add_teams": selectors.teams_not_on_wheel(wheel).exists(),
            "participant_form": forms.ParticipantForm(),
            "rig_form": forms.RigForm(wheel=wheel),
            "edit_rows": [
                (p, edit_forms.get(p.pk) or forms.ParticipantEditForm(participant=p))
                for p in editing
            ],
            "edit_next": editing[-1].pk if editing and editing[-1].pk != last else None,
        }
    return {**context, **overrides}


def _render_detail(
    request: HttpRequest, wheel: Wheel, *, partial: str = "wheel", status: int = 200, **overrides
) -> HttpResponse:
    template = f"{DETAIL}#{partial}" if request.htmx else DETAIL
    context = _detail_context(request, wheel, whole=template != f"{DETAIL}#outcome", **overrides)
    return render(request, template, context, status=status)


def _changed(
    request: HttpRequest, wheel: Wheel, message: str, *, spin: Spin | None = None
) -> HttpResponse:
    if request.htmx:
        return _render_detail(request, wheel, spin=spin, notice=message)
    messages.success(request, message)
    return redirect(_detail_url(request, wheel, spin))


def _refused(request: HttpRequest, wheel: Wheel, error: ValidationError, **overrides):
    return _render_detail(
        request, wheel, status=UNPROCESSABLE, error=" ".join(error.messages), **overrides
    )


@require_GET
def wheel_list(request: HttpRequest) -> HttpResponse:
    context = {"wheels": selectors.wheel_list(), "can_admin": can_administer_wheels(request.user)}
    return render(request, "wheel/wheel_list.html", context)


def wheel_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = forms.WheelCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            wheel = services.wheel_create(
                actor=request.user, teams=form.cleaned_data["teams"], **form.settings()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Created {wheel.name}. Spin it with the Space key.")
            return redirect(wheel)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "wheel/wheel_form.html", {"form": form}, status=status)


def wheel_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    form = forms.WheelForm(request.POST or None, instance=Wheel.objects.get(pk=wheel.pk))
    if request.method == "POST" and form.is_valid():
        try:
            wheel = services.wheel_update(wheel=wheel, actor=request.user, changes=form.changes())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved {wheel.name}.")
            return redirect(wheel)
    status = UNPROCESSABLE if form.errors else 200
    return render(request, "wheel/wheel_form.html", {"form": form, "wheel": wheel}, status=status)


@require_GET
def wheel_detail(request: HttpRequest, slug: str) -> HttpResponse:
    wheel = _get_wheel(slug)
    return _render_detail(request, wheel, spin=_shown_spin(request, wheel))


@require_POST
def wheel_spin(request: HttpRequest, slug: str) -> HttpResponse:
    """The server decides the result; with htmx the page then animates the wheel onto it."""
    wheel = _get_wheel(slug)
    try:
        spin = services.wheel_spin(wheel=wheel, actor=request.user)
    except ValidationError as error:
        return _refused(request, wheel, error, partial="outcome", spin_error=True)
    if request.htmx:
        return _render_detail(request, wheel, partial="outcome", spin=spin, just_spun=True)
    return redirect(_detail_url(request, wheel, spin))


@require_POST
def wheel_choose(request: HttpRequest, slug: str, spin_pk: int) -> HttpResponse:
    wheel = _get_wheel(slug)
    spin = get_object_or_404(Spin, pk=spin_pk, wheel=wheel)
    try:
        spin = services.wheel_choose(spin=spin, actor=request.user)
    except ValidationError as error:
        return _refused(request, wheel, error)
    return _changed(request, wheel, f"Chose {spin.participant_name}.", spin=spin)


@require_POST
def wheel_rig(request: HttpRequest, slug: str) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    form = forms.RigForm(request.POST, wheel=wheel)
    if form.is_valid():
        try:
            rig = services.wheel_rig(wheel=wheel, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, wheel, f"The next spin lands on {rig.participant_name}.")
    return _render_detail(request, wheel, status=UNPROCESSABLE, rig_form=form)


@require_POST
def wheel_unrig(request: HttpRequest, slug: str) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    services.wheel_unrig(wheel=wheel, actor=request.user)
    return _changed(request, wheel, "Rig cancelled: the next spin is a fair draw.")


@require_POST
def wheel_reset(request: HttpRequest, slug: str) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    services.wheel_reset(wheel=wheel, actor=request.user)
    return _changed(request, wheel, "Every weight is back to 1.")


@require_POST
def participant_add(request: HttpRequest, slug: str) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    form = forms.ParticipantForm(request.POST)
    if form.is_valid():
        try:
            participant = services.participant_add(
                wheel=wheel, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, wheel, f"Added {participant.display_name} at weight 1.")
    return _render_detail(request, wheel, status=UNPROCESSABLE, participant_form=form)


@require_POST
def participant_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    participant = _get_participant(wheel, pk)
    form = forms.ParticipantEditForm(request.POST, participant=participant)
    if form.is_valid():
        try:
            participant = services.participant_update(
                participant=participant, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _changed(request, wheel, f"Saved {participant.display_name}.")
    return _render_detail(request, wheel, status=UNPROCESSABLE, edit_forms={participant.pk: form})


@require_POST
def participant_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    _require_admin(request)
    wheel = _get_wheel(slug)
    participant = _get_participant(wheel, pk)
    services.participant_delete(participant=participant, actor=request.user)
    return _changed(request, wheel, f"Removed {participant.display_name}.")
