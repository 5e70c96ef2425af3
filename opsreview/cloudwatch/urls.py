from django.urls import path

from . import views

app_name = "cloudwatch"

urlpatterns = [
    path("sns/", views.sns_receive, name="sns_receive"),
]
