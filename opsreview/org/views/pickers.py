"""What a picker's box suggests as it is typed into: the options of its listbox."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from ..pickers import Lookup, suggestions


def suggestions_page(request: HttpRequest, lookup: Lookup) -> HttpResponse:
    # The box sends its text under its own name, and says which name that is.
    field = request.GET.get("field", "q")
    text = request.GET.get(field, "") or request.GET.get("q", "")
    options = suggestions(lookup, text, many=request.GET.get("many") == "1")
    # No request context: the options need none of the page's (banner, navigation) queries.
    return HttpResponse(render_to_string("org/suggestions.html", {"options": options}))
