from django.conf import settings
from django.urls import reverse

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
STAFF_NAVIGATION = [("Audit", "audit_log")]


def site(request):
    items = []
    user = getattr(request, "user", None)
    for label, url_name in NAVIGATION + (STAFF_NAVIGATION if user and user.is_staff else []):
        url = reverse(url_name)
        items.append({"label": label, "url": url, "current": request.path.startswith(url)})
    return {"site_name": settings.SITE_NAME, "navigation": items}
