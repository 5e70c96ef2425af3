from django.urls import path

from . import views

app_name = "coe"
urlpatterns = [
    path("coe/", views.coe_list, name="coe_list"),
    path("coe/new/", views.coe_new, name="coe_new"),
    path("coe/<int:pk>/", views.coe_detail, name="coe_detail"),
    path("coe/<int:pk>/checklist/", views.coe_checklist, name="coe_checklist"),
    path("coe/<int:pk>/preview/", views.coe_preview, name="coe_preview"),
    path("coe/<int:pk>/title/", views.coe_title_save, name="coe_title_save"),
    path("coe/<int:pk>/text/<slug:key>/", views.coe_text_save, name="coe_text_save"),
    path("coe/<int:pk>/timeline/", views.coe_timeline_add, name="coe_timeline_add"),
    path("coe/<int:pk>/timeline/copy/", views.coe_timeline_copy, name="coe_timeline_copy"),
    path(
        "coe/<int:pk>/timeline/<int:entry_pk>/delete/",
        views.coe_timeline_delete,
        name="coe_timeline_delete",
    ),
    path("coe/<int:pk>/factors/", views.coe_factor_add, name="coe_factor_add"),
    path("coe/<int:pk>/factors/<int:factor_pk>/", views.coe_factor_save, name="coe_factor_save"),
    path(
        "coe/<int:pk>/factors/<int:factor_pk>/delete/",
        views.coe_factor_delete,
        name="coe_factor_delete",
    ),
    path("coe/<int:pk>/acknowledge/", views.coe_acknowledge, name="coe_acknowledge"),
    path("coe/<int:pk>/submit/", views.coe_submit, name="coe_submit"),
    path("coe/<int:pk>/review/", views.coe_review, name="coe_review"),
    path("coe/<int:pk>/history/", views.coe_history, name="coe_history"),
    path("coe/<int:pk>/actions/", views.coe_action_add, name="coe_action_add"),
    path("actions/", views.action_list, name="action_list"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/start/", views.action_start, name="action_start"),
    path("actions/<int:pk>/complete/", views.action_complete, name="action_complete"),
    path("actions/<int:pk>/wont-do/", views.action_wont_do, name="action_wont_do"),
    path("actions/<int:pk>/reopen/", views.action_reopen, name="action_reopen"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/preview/", views.report_preview, name="report_preview"),
    path("reports/preview/html/", views.report_preview_html, name="report_preview_html"),
    path("reports/send/", views.report_send_now, name="report_send_now"),
    path("reports/outbox/", views.outbox_list, name="outbox_list"),
    path("reports/outbox/<int:pk>/", views.outbox_detail, name="outbox_detail"),
    path("reports/outbox/<int:pk>/html/", views.outbox_html, name="outbox_html"),
]
