"""Beat reads every team's alarms: each scope due a read (its back-off passed) is claimed, then
read by a task of its own, so one slow or failing account does not hold up the others."""

from celery import shared_task

from . import services
from .models import AlarmScope


@shared_task
def sync_all_alarms() -> int:
    """Queue a read of each scope due one; returns how many were queued."""
    claimed = services.alarm_scopes_claim_due()
    for scope_id in claimed:
        sync_scope.delay(scope_id)
    return len(claimed)


@shared_task
def sync_scope(scope_id: int) -> bool:
    scope = AlarmScope.objects.select_related("team").filter(pk=scope_id).first()
    if scope is None:
        return False  # removed since it was queued
    return services.alarm_scope_sync(scope=scope)
