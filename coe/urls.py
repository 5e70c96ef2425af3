from django.urls import path

from . import views

app_name = "coe"
urlpatterns = [
    path("", views.coe_list, name="coe_list"),
    path("new/", views.coe_new, name="coe_new"),
    path("<int:pk>/", views.coe_detail, name="coe_detail"),
    path("<int:pk>/checklist/", views.coe_checklist, name="coe_checklist"),
    path("<int:pk>/similar/", views.coe_similar, name="coe_similar"),
    path("<int:pk>/live/", views.coe_live, name="coe_live"),
    path("<int:pk>/preview/", views.coe_preview, name="coe_preview"),
    path("<int:pk>/title/", views.coe_title_save, name="coe_title_save"),
    path("<int:pk>/text/<slug:key>/", views.coe_text_save, name="coe_text_save"),
    path("<int:pk>/timeline/", views.coe_timeline_add, name="coe_timeline_add"),
    path("<int:pk>/timeline/copy/", views.coe_timeline_copy, name="coe_timeline_copy"),
    path(
        "<int:pk>/timeline/<int:entry_pk>/delete/",
        views.coe_timeline_delete,
        name="coe_timeline_delete",
    ),
    path("<int:pk>/factors/", views.coe_factor_add, name="coe_factor_add"),
    path("<int:pk>/factors/<int:factor_pk>/", views.coe_factor_save, name="coe_factor_save"),
    path(
        "<int:pk>/factors/<int:factor_pk>/delete/",
        views.coe_factor_delete,
        name="coe_factor_delete",
    ),
    path("<int:pk>/acknowledge/", views.coe_acknowledge, name="coe_acknowledge"),
    path("<int:pk>/submit/", views.coe_submit, name="coe_submit"),
    path("<int:pk>/review/", views.coe_review, name="coe_review"),
    path("<int:pk>/reviewers/", views.coe_reviewer_add, name="coe_reviewer_add"),
    path(
        "<int:pk>/reviewers/<int:user_pk>/remove/",
        views.coe_reviewer_remove,
        name="coe_reviewer_remove",
    ),
    path(
        "<int:pk>/reviewers/<int:user_pk>/reassign/",
        views.coe_reviewer_reassign,
        name="coe_reviewer_reassign",
    ),
    path("<int:pk>/history/", views.coe_history, name="coe_history"),
    path("<int:pk>/export.md", views.coe_export_markdown, name="coe_export_markdown"),
    path("<int:pk>/since-my-review/", views.coe_since_review, name="coe_since_review"),
    path("<int:pk>/threads/", views.coe_thread_start, name="coe_thread_start"),
    path(
        "<int:pk>/threads/<int:thread_pk>/reply/",
        views.coe_thread_reply,
        name="coe_thread_reply",
    ),
    path(
        "<int:pk>/threads/<int:thread_pk>/resolve/",
        views.coe_thread_resolve,
        name="coe_thread_resolve",
    ),
    path(
        "<int:pk>/threads/<int:thread_pk>/reopen/",
        views.coe_thread_reopen,
        name="coe_thread_reopen",
    ),
    path("<int:pk>/images/", views.coe_image_upload, name="coe_image_upload"),
    path("<int:pk>/images/<int:image_pk>/", views.coe_image, name="coe_image"),
    path(
        "<int:pk>/images/<int:image_pk>/thumbnail/",
        views.coe_image_thumbnail,
        name="coe_image_thumbnail",
    ),
    path(
        "<int:pk>/images/<int:image_pk>/delete/",
        views.coe_image_delete,
        name="coe_image_delete",
    ),
    path("<int:pk>/actions/", views.coe_action_add, name="coe_action_add"),
]
