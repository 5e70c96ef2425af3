from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/lockouts/", views.lockout_list, name="lockout_list"),
    path("audit/", views.audit_log, name="audit_log"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<slug:slug>/", views.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit/", views.team_edit, name="team_edit"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("incidents/", include("incidents.urls")),
    path("", include("coe.urls")),
    path("wheel/", include("wheel.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "opsreview.views.permission_denied"
