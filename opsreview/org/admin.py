from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AuditEvent, Profile, Service, Team


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["name", "dashboard_url", "description"]


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "manager", "dashboard_url"]
    list_select_related = ["manager"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
    autocomplete_fields = ["manager"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "team", "dashboard_url"]
    list_filter = ["team"]
    list_select_related = ["team"]
    search_fields = ["name", "team__name"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["person", "time_zone", "is_app_account"]
    list_select_related = ["person"]
    search_fields = ["person__username", "person__first_name", "person__last_name", "time_zone"]
    autocomplete_fields = ["person"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record of what happened: viewable, never edited after the fact."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is written by opsreview.org.audit alone and never edited."""

    list_display = ["when", "actor_label", "action", "target_label", "detail", "ip_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label", "detail"]
    date_hierarchy = "when"
    show_full_result_count = False
