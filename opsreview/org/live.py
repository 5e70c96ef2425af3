"""Live parts of pages: polled with htmx (static/js/live.js shows what a refusal says), they
answer 204 while what they show is current, the part anew when it is not, or a refusal in
words the page can show (text/plain), never a redirect that would be swapped into the page."""

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

SIGNED_OUT = "You are signed out: sign in again to see changes."


def notice(text: str, *, status: int) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    add_never_cache_headers(response)
    return response


def unchanged() -> HttpResponse:
    response = HttpResponse(status=204)
    add_never_cache_headers(response)
    return response


def signed_out(request: HttpRequest) -> HttpResponse | None:
    """The refusal for a poll from someone no longer signed in (or whose account was closed);
    None for everyone else. Polled views are login_not_required so this answers instead."""
    if request.user.is_authenticated and request.user.is_active:
        return None
    return notice(SIGNED_OUT, status=401)
