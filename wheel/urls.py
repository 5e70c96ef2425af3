from django.urls import path

from . import views

app_name = "wheel"
urlpatterns = [
    path("", views.wheel_list, name="wheel_list"),
    path("new/", views.wheel_create, name="wheel_create"),
    path("<slug:slug>/", views.wheel_detail, name="wheel_detail"),
    path("<slug:slug>/edit/", views.wheel_edit, name="wheel_edit"),
    path("<slug:slug>/spin/", views.wheel_spin, name="wheel_spin"),
    path("<slug:slug>/spins/<int:spin_pk>/choose/", views.wheel_choose, name="wheel_choose"),
    path("<slug:slug>/rig/", views.wheel_rig, name="wheel_rig"),
    path("<slug:slug>/rig/cancel/", views.wheel_unrig, name="wheel_unrig"),
    path("<slug:slug>/reset/", views.wheel_reset, name="wheel_reset"),
    path("<slug:slug>/participants/", views.participant_add, name="participant_add"),
    path("<slug:slug>/participants/<int:pk>/", views.participant_edit, name="participant_edit"),
    path(
        "<slug:slug>/participants/<int:pk>/delete/",
        views.participant_delete,
        name="participant_delete",
    ),
]
