from django.contrib import admin

from .models import CallLeader, Incident, TimelineEntry


class TimelineEntryInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    fields = ["occurred_at", "kind", "text", "author"]
    readonly_fields = ["kind", "author"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["title", "severity", "status", "call_leader", "detected_at"]
    list_filter = ["status", "severity", "teams"]
    list_select_related = ["call_leader"]
    search_fields = ["title"]
    raw_id_fields = ["declared_by", "call_leader", "changes_gated_by"]
    filter_horizontal = ["teams", "services"]
    # The lifecycle belongs to the incident page, where the services keep its rules.
    readonly_fields = [
        "status",
        "mitigated_at",
        "resolved_at",
        "gates_production_changes",
        "changes_gated_by",
        "changes_gated_at",
    ]
    inlines = [TimelineEntryInline]


@admin.register(CallLeader)
class CallLeaderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_active", "added_at"]
    list_filter = ["is_active"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["shadows"]
