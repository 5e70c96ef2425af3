from django.urls import path

from . import views

app_name = "wheel"
urlpatterns = [
    path("", views.wheel_list, name="wheel_list"),
]
