from django.urls import path

from . import present

app_name = "meetings"
urlpatterns = [
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
