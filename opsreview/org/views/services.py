"""/services/: finding a service by typing the start of its name."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..pickers import SERVICES
from .pickers import suggestions_page


@require_GET
def service_search(request: HttpRequest) -> HttpResponse:
    return suggestions_page(request, SERVICES)
