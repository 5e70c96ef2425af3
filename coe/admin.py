from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .findings import findings_refresh
from .models import BlamelessAcknowledgement, Coe, CoeKind, CoeTemplateSettings, CoeText
from .search import refresh_search_vectors


@admin.register(CoeTemplateSettings)
class CoeTemplateSettingsAdmin(admin.ModelAdmin):
    """One row per kind of COE (incidents, near misses): which sections a complete one needs,
    and how deep the whys go."""

    list_display = ["__str__", "require_impact", "min_why_depth"]

    def has_add_permission(self, request):
        return CoeTemplateSettings.objects.count() < len(CoeKind)

    def get_readonly_fields(self, request, obj=None):
        return ["kind"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False


class CoeTextInline(admin.StackedInline):
    model = CoeText
    extra = 0
    fields = ["key", "body", "version", "updated_by", "updated_at"]
    readonly_fields = ["key", "version", "updated_by", "updated_at"]
    can_delete = False


@admin.register(Coe)
class CoeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "team", "status", "kind", "incident", "created_at"]
    list_filter = ["status", "kind", "team"]
    list_select_related = ["team", "incident"]
    search_fields = ["title"]
    raw_id_fields = ["incident", "created_by"]
    filter_horizontal = ["authors"]
    readonly_fields = ["status", "submitted_at"]
    inlines = [CoeTextInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        findings_refresh(Coe.objects.filter(pk=form.instance.pk))  # a text edited here
        refresh_search_vectors(Coe.objects.filter(pk=form.instance.pk))  # title or texts edited


@admin.register(BlamelessAcknowledgement)
class BlamelessAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["coe", "phrase", "reason", "acknowledged_by", "acknowledged_at"]
    list_select_related = ["coe", "acknowledged_by"]
