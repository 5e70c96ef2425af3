"""The bench URLconf: the app's URLs plus the floor, a signed-in page that renders only the base
layout. Used by benchmarks/settings.py alone; the product has no such page."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from opsreview.urls import handler403  # noqa: F401
from opsreview.urls import urlpatterns as app_urlpatterns

FLOOR = engines["django"].from_string('{% extends "base.html" %}{% block content %}{% endblock %}')


def floor(request):
    return HttpResponse(FLOOR.render({}, request))


urlpatterns = [path("__bench__/floor/", floor, name="bench_floor"), *app_urlpatterns]
