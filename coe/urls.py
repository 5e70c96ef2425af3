from django.urls import path

from . import views

app_name = "coe"
urlpatterns = [
    path("coe/", views.coe_list, name="coe_list"),
    path("actions/", views.action_list, name="action_list"),
    path("reports/", views.report_list, name="report_list"),
]
