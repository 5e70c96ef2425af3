"""Live parts of pages: polled with htmx (static/js/live.js shows what a refusal says), they
answer 204 while what they show is current, the part anew when it is not, or a refusal in
words the page can show (text/plain), never a redirect that would be swapped into the page."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .selectors import time_zone_of

SIGNED_OUT = "You are signed out: sign in again to see changes."


def notice(text: str, *, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    return response


def unchanged() -> HttpResponse:
    response = HttpResponse(status=204)
    add_never_cache_headers(response)
    return response


def polled(view):
    """A view live parts of pages poll: to someone no longer signed in (or whose account was
    closed) it answers 401 in words, instead of the redirect to sign in that other views give;
    for everyone else it runs in their time zone, as the page that polls was shown."""

    @login_not_required
    @wraps(view)
    def answer(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_active):
            return notice(SIGNED_OUT, status=401)
        timezone.activate(time_zone_of(request.user))  # TimeZoneMiddleware deactivates it
        return view(request, *args, **kwargs)

    return answer
