"""What a picker's box suggests as it is typed into: the options of its <datalist>."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..pickers import Lookup, suggestions


def suggestions_page(request: HttpRequest, lookup: Lookup) -> HttpResponse:
    # The box sends its text under its own name, and says which name that is.
    field = request.GET.get("field", "q")
    text = request.GET.get(field, "") or request.GET.get("q", "")
    options = suggestions(lookup, text, many=request.GET.get("many") == "1")
    return render(request, "org/suggestions.html", {"options": options})
