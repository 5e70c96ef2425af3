"""/accounts/: signing in, the lock-outs that throttle it, and each person's profile."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..forms import LockoutClearForm, ProfileForm
from ..people import require_staff
from ..services import lockout_clear, profile_time_zone_set

TOO_MANY_REQUESTS = 429
UNPROCESSABLE = 422


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


def _unlocked_message(request: HttpRequest, data: dict, failures: int) -> None:
    what = f"account “{data['username']}”" if data["username"] else f"address {data['ip_address']}"
    if failures:
        messages.success(request, f"Unlocked {what}: it can sign in again now.")
    else:
        messages.info(request, f"Nothing to unlock: the lock-out of {what} had already ended.")


@require_http_methods(["GET", "POST"])
def lockout_list(request: HttpRequest) -> HttpResponse:
    """Accounts and addresses locked out of sign-in, each with an Unlock button (staff)."""
    require_staff(request.user, "Only staff can see and clear sign-in lock-outs.")
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


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own settings: their time zone. The offer of the browser's zone
    (base.html) posts here too, with `next`, the page to go back to."""
    chosen = selectors.chosen_time_zone(request.user)
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={"time_zone": chosen or settings.TIME_ZONE},
    )
    if form.is_bound and form.is_valid():
        zone = form.cleaned_data["time_zone"]
        try:
            profile_time_zone_set(actor=request.user, time_zone=zone)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Times are now shown in {zone}.")
            return redirect(_safe_next(request) or "profile")
    context = {"form": form, "chosen": chosen, "site_zone": settings.TIME_ZONE}
    status = UNPROCESSABLE if form.is_bound else 200
    return render(request, "org/profile.html", context, status=status)
