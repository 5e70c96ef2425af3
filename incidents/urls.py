from django.urls import path

from . import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_new, name="incident_new"),
    path("call-leaders/", views.call_leader_roster, name="call_leader_roster"),
    path("<int:pk>/", views.incident_detail, name="incident_detail"),
    path("<int:pk>/live/", views.incident_live, name="incident_live"),
    path("banner/", views.banner_live, name="banner_live"),
    path("<int:pk>/roles/", views.incident_role_assign, name="incident_role_assign"),
    path(
        "<int:pk>/roles/<int:role_pk>/remove/",
        views.incident_role_remove,
        name="incident_role_remove",
    ),
    path("<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("<int:pk>/mitigate/", views.incident_mitigate, name="incident_mitigate"),
    path("<int:pk>/resolve/", views.incident_resolve, name="incident_resolve"),
    path("<int:pk>/reopen/", views.incident_reopen, name="incident_reopen"),
    path("<int:pk>/engage/", views.incident_engage, name="incident_engage"),
    path("<int:pk>/gate/", views.incident_gate, name="incident_gate"),
    path("<int:pk>/timeline/", views.timeline_add, name="timeline_add"),
    path("<int:pk>/timeline/<int:entry_pk>/", views.timeline_entry, name="timeline_entry"),
    path("<int:pk>/timeline/<int:entry_pk>/edit/", views.timeline_edit, name="timeline_edit"),
]
