from django.contrib.auth import views as auth_views
from django.urls import path

from .views import accounts, audit, health, inbox, people, services, teams

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/lockouts/", accounts.lockout_list, name="lockout_list"),
    path("accounts/profile/", accounts.profile, name="profile"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read-all/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/open/", inbox.notification_read, name="notification_read"),
    path("inbox/email-settings/", inbox.email_settings, name="email_settings"),
    path("people/search", people.people_search, name="people_search"),
    path("teams/search", teams.team_search, name="team_search"),
    path("services/search", services.service_search, name="service_search"),
    path("teams/", teams.team_list, name="team_list"),
    path("teams/<slug:slug>/", teams.team_detail, name="team_detail"),
    path("teams/<slug:slug>/edit/", teams.team_edit, name="team_edit"),
]
