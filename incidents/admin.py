from django.contrib import admin

from .models import CallLeader, Incident, IncidentRole, TimelineEntry
from .services import incident_last_update_refresh, incident_touch


class TimelineEntryInline(admin.TabularInline):
    model = TimelineEntry
    extra = 0
    fields = ["occurred_at", "kind", "text", "author"]
    readonly_fields = ["kind", "author"]


class IncidentRoleInline(admin.TabularInline):
    model = IncidentRole
    extra = 0
    fields = ["role", "person", "assigned_by", "assigned_at"]
    raw_id_fields = ["person", "assigned_by"]


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
        "last_update_at",
    ]
    inlines = [TimelineEntryInline, IncidentRoleInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Entries added or removed here bypass the timeline services: keep the last update true,
        # and the pages open on the incident show the change.
        incident_last_update_refresh(incident=form.instance)
        incident_touch(incident_id=form.instance.pk)


@admin.register(CallLeader)
class CallLeaderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "is_active", "added_at"]
    list_filter = ["is_active"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["shadows"]
