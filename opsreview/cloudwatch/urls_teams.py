"""A team's CloudWatch scopes, under /teams/ beside org's team pages (whose routes these never
match: each has one more segment than /teams/<slug>/)."""

from django.urls import path

from . import views_teams

urlpatterns = [
    path("<slug:slug>/cloudwatch/", views_teams.team_cloudwatch, name="team_cloudwatch"),
    path(
        "<slug:slug>/cloudwatch/<int:pk>/",
        views_teams.team_cloudwatch_scope,
        name="team_cloudwatch_scope",
    ),
    path(
        "<slug:slug>/cloudwatch/<int:pk>/delete/",
        views_teams.team_cloudwatch_scope_delete,
        name="team_cloudwatch_scope_delete",
    ),
    path(
        "<slug:slug>/cloudwatch/metrics/",
        views_teams.team_cloudwatch_metric_add,
        name="team_cloudwatch_metric_add",
    ),
    path(
        "<slug:slug>/cloudwatch/metrics/<int:pk>/",
        views_teams.team_cloudwatch_metric,
        name="team_cloudwatch_metric",
    ),
    path(
        "<slug:slug>/cloudwatch/metrics/<int:pk>/move/",
        views_teams.team_cloudwatch_metric_move,
        name="team_cloudwatch_metric_move",
    ),
    path(
        "<slug:slug>/cloudwatch/metrics/<int:pk>/delete/",
        views_teams.team_cloudwatch_metric_delete,
        name="team_cloudwatch_metric_delete",
    ),
]
