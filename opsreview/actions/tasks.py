"""The daily recount that moves every team's stored overdue counts to the day."""

from celery import shared_task

from .counts import team_item_counts_recount


@shared_task
def recount_team_item_counts() -> int:
    return team_item_counts_recount()
