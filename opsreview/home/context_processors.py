from functools import cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# (label, URL name): every area of the product, in the order the navigation shows them.
NAVIGATION = [
    ("Incidents", "incidents:incident_list"),
    ("COEs", "coe:coe_list"),
    ("Actions", "actions:action_list"),
    ("Meetings", "meetings:meeting_list"),
    ("Wheel", "wheel:wheel_list"),
    ("Teams", "team_list"),
    ("Reports", "reports:report_list"),
]
STAFF_NAVIGATION = [("Audit", "audit_log"), ("Admin", "admin:index")]
# Links the layout shows outside the navigation, by name.
LAYOUT_LINKS = {
    "dashboard": "dashboard",
    "logout": "logout",
    "incidents": "incidents:incident_list",
    "banner": "incidents:banner_live",
    "inbox": "inbox",
    "profile": "profile",
}


@cache
def _links(script_prefix: str, urlconf) -> tuple[tuple, tuple, dict]:
    """Every link the layout shows, reversed once per process (and URL configuration), not on
    every request: the URLs do not change while the process runs."""

    def resolved(entries):
        return tuple((label, reverse(name)) for label, name in entries)

    layout = {key: reverse(name) for key, name in LAYOUT_LINKS.items()}
    return resolved(NAVIGATION), resolved(STAFF_NAVIGATION), layout


def site(request):
    user = getattr(request, "user", None)
    everyone, staff, layout = _links(get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    path = request.path
    items = [
        {"label": label, "url": url, "current": path.startswith(url)}
        for label, url in (everyone + staff if user and user.is_staff else everyone)
    ]
    return {"site_name": settings.SITE_NAME, "navigation": items, "layout_links": layout}
