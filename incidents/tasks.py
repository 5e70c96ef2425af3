from smtplib import SMTPException

from celery import shared_task

from opsreview.org.models import Team
from opsreview.org.tasks import NotificationTask

from .models import Incident
from .notifications import incident_notify_team_engaged


@shared_task(
    base=NotificationTask,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def notify_team_engaged(*, incident_id: int, team_id: int) -> int:
    incident = Incident.objects.select_related("call_leader").get(pk=incident_id)
    team = Team.objects.get(pk=team_id)
    return incident_notify_team_engaged(incident=incident, team=team)
