from django.urls import path

from . import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("prepare/", views.meeting_prepare, name="meeting_prepare"),
    path("wins/", views.win_post, name="win_post"),
    path("deep-dives/", views.deep_dive_queue, name="deep_dive_queue"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/settings/", views.meeting_update, name="meeting_update"),
    path("<int:pk>/start/", views.meeting_start, name="meeting_start"),
    path("<int:pk>/finish/", views.meeting_finish, name="meeting_finish"),
    path("<int:pk>/sections/<str:key>/", views.section_save, name="section_save"),
    path("<int:pk>/actions/", views.meeting_item_add, name="meeting_item_add"),
]
