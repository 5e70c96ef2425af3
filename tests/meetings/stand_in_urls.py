"""The project's URLs with a stand-in for the meeting page, for test runs of a tree where the
meetings' own pages are not mounted yet: the emails link to the page by its name."""

from django.http import HttpResponse
from django.urls import include, path

from opsreview.urls import urlpatterns as project_urls


def _meeting_page(request, pk):
    return HttpResponse()


_meeting_pages = ([path("<int:pk>/", _meeting_page, name="meeting_detail")], "meetings")

urlpatterns = [
    *(url for url in project_urls if getattr(url, "namespace", None) != "meetings"),
    path("meetings/", include(_meeting_pages)),
]
