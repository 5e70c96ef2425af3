from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Service, Team


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
