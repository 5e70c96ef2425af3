from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("opsreview.home.urls")),
    path("", include("opsreview.org.urls")),
    # A team's CloudWatch scopes: /teams/<slug>/cloudwatch/…, disjoint from org's team routes.
    path("teams/", include("opsreview.cloudwatch.urls_teams")),
    path("incidents/", include("incidents.urls")),
    path("coe/", include("coe.urls")),
    path("actions/", include("opsreview.actions.urls")),
    path("reports/", include("opsreview.reports.urls")),
    path("meetings/", include("opsreview.meetings.urls")),
    path("wheel/", include("wheel.urls")),
    # Amazon SNS's deliveries of CloudWatch alarms: signed, not signed in.
    path("integrations/", include("opsreview.cloudwatch.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "opsreview.org.views.audit.permission_denied"
