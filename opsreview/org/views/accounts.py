"""/accounts/: signing in, and the lock-outs that throttle it."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..forms import LockoutClearForm
from ..people import require_staff
from ..services import lockout_clear

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
