from django.contrib import admin

from .models import Alarm, AlarmIncident, AlarmScope, MetricQuery, SeverityRule, SnsDelivery


@admin.register(AlarmScope)
class AlarmScopeAdmin(admin.ModelAdmin):
    list_display = [
        "team",
        "region",
        "account_id",
        "alarm_prefixes",
        "role_arn",
        "synced_at",
        "error",
    ]
    list_select_related = ["team"]
    readonly_fields = ["synced_at", "error", "error_at", "failures", "next_sync_at"]


@admin.register(Alarm)
class AlarmAdmin(admin.ModelAdmin):
    list_display = ["name", "scope", "kind", "state", "state_updated_at"]
    list_filter = ["state", "kind"]
    search_fields = ["name"]


@admin.register(SeverityRule)
class SeverityRuleAdmin(admin.ModelAdmin):
    list_display = ["pattern", "severity"]


@admin.register(MetricQuery)
class MetricQueryAdmin(admin.ModelAdmin):
    list_display = ["label", "team", "namespace", "metric_name", "statistic", "position"]
    list_select_related = ["team"]


@admin.register(SnsDelivery)
class SnsDeliveryAdmin(admin.ModelAdmin):
    list_display = ["message_id", "message_type", "alarm_name", "new_state", "outcome"]
    list_filter = ["outcome", "message_type"]
    readonly_fields = [field.name for field in SnsDelivery._meta.fields]


@admin.register(AlarmIncident)
class AlarmIncidentAdmin(admin.ModelAdmin):
    list_display = ["alarm_name", "incident", "opened_at"]
    raw_id_fields = ["incident"]
