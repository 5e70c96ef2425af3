from django.urls import path

from . import present, views

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
    path("<int:pk>/metrics/", views.meeting_metric_charts, name="meeting_metric_charts"),
    # Projector mode (present.py)
    path("<int:pk>/present/", present.meeting_present, name="meeting_present"),
    path("<int:pk>/spin/", present.meeting_spin, name="meeting_spin"),
    path(
        "<int:pk>/spins/<int:spin_pk>/choose/",
        present.meeting_spin_choose,
        name="meeting_spin_choose",
    ),
    path("<int:pk>/present/notes/<int:section_pk>/", present.present_notes, name="present_notes"),
    path("<int:pk>/present/items/", present.present_item_add, name="present_item_add"),
    path("<int:pk>/present/finish/", present.present_finish, name="present_finish"),
]
