"""/people/: finding a person by typing part of their name."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ..pickers import PEOPLE
from .pickers import suggestions_page


@require_GET
def people_search(request: HttpRequest) -> HttpResponse:
    """At most 20 active people whose username, first or last name or email starts so."""
    return suggestions_page(request, PEOPLE)
