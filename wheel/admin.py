from django.contrib import admin

from opsreview.org.admin import ReadOnlyAdmin

from .models import LogEntry, Participant, Rig, Spin, Wheel


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["team", "name", "url", "weight", "selection_count", "last_selected_at"]
    # Weights and selections move through the wheel page, where the services keep Σw = N.
    readonly_fields = ["weight", "selection_count", "last_selected_at"]


@admin.register(Wheel)
class WheelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "proportional_slices", "allow_rigging"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]
    inlines = [ParticipantInline]


@admin.register(Spin)
class SpinAdmin(ReadOnlyAdmin):
    list_display = ["wheel", "participant_name", "spun_by", "spun_at", "rig", "chosen_at"]
    list_filter = ["wheel"]
    list_select_related = ["wheel", "spun_by", "rig"]


@admin.register(Rig)
class RigAdmin(ReadOnlyAdmin):
    list_display = ["wheel", "participant_name", "rigged_by", "rigged_at", "hidden", "cleared_at"]
    list_filter = ["wheel", "hidden"]
    list_select_related = ["wheel", "rigged_by"]


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ["wheel", "at", "kind", "actor", "text"]
    list_filter = ["wheel", "kind"]
    list_select_related = ["wheel", "actor"]
