from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("", views.action_list, name="action_list"),
    path("new/incident/<int:pk>/", views.incident_item_add, name="incident_item_add"),
    path("<int:pk>/", views.action_detail, name="action_detail"),
    path("<int:pk>/start/", views.action_start, name="action_start"),
    path("<int:pk>/complete/", views.action_complete, name="action_complete"),
    path("<int:pk>/wont-do/", views.action_wont_do, name="action_wont_do"),
    path("<int:pk>/reopen/", views.action_reopen, name="action_reopen"),
]
