"""Daily: the recount that moves every team's stored overdue counts to the day, and telling
owners of the items due soon."""

from celery import shared_task

from .counts import team_item_counts_recount
from .services import items_due_soon_notify


@shared_task
def recount_team_item_counts() -> int:
    return team_item_counts_recount()


@shared_task
def notify_items_due_soon() -> int:
    return items_due_soon_notify()
