"""A friendly 503, instead of a 500, while the database or the task broker cannot be reached;
and each person's time zone, for their requests."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from kombu.exceptions import OperationalError as BrokerUnavailable

from .selectors import time_zone_of

logger = logging.getLogger(__name__)

UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, BrokerUnavailable)
RETRY_AFTER_SECONDS = 30


def service_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """The 503 page; rendered without the request, so no context processor queries the database."""
    logger.error(
        "%s %s answered 503, a service is unavailable: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        error,
    )
    body = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


class ServiceUnavailableMiddleware:
    """Goes after AuthenticationMiddleware and before LoginRequiredMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Loading the signed-in user is most requests' first query; if it failed in
        # LoginRequiredMiddleware instead, that would be a 500.
        if getattr(view_func, "login_required", True):
            try:
                request.user.is_authenticated  # noqa: B018
            except UNAVAILABLE_ERRORS as error:
                return service_unavailable(request, error)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, UNAVAILABLE_ERRORS):
            return service_unavailable(request, exception)
        return None


class TimeZoneMiddleware:
    """Every time a signed-in person sees or types is in their zone (see zones.py); everyone
    else's, and every page that asks no sign-in, in the site's. Goes after
    LoginRequiredMiddleware, which has loaded the person by then."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # the next request on this thread starts from the site's

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "login_required", True) and request.user.is_authenticated:
            timezone.activate(time_zone_of(request.user))
        return None
