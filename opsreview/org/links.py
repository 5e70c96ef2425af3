"""Paths to a row's pages, reversed once per process (and URL configuration) with a placeholder
id that each row replaces with its own: reverse() resolves the pattern on every call, and a page
of lists links a hundred rows."""

from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

ID_SLOT = "987654321987654"  # no path the app writes holds such a number


@cache
def _pattern(name: str, script_prefix: str, urlconf) -> str:
    return reverse(name, args=[ID_SLOT])


def path_for(name: str, pk: int) -> str:
    """reverse(name, args=[pk]), for a URL whose one argument is an integer id."""
    pattern = _pattern(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return pattern.replace(ID_SLOT, str(int(pk)))
