from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("preview/", views.report_preview, name="report_preview"),
    path("preview/html/", views.report_preview_html, name="report_preview_html"),
    path("send/", views.report_send_now, name="report_send_now"),
    path("outbox/", views.outbox_list, name="outbox_list"),
    path("outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("outbox/<int:pk>/html/", views.outbox_html, name="outbox_html"),
]
