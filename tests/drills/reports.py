"""Report data for the drills: managers who each have one report due."""

from datetime import timedelta

from django.utils import timezone

from opsreview.actions import services
from opsreview.actions.models import Term
from opsreview.reports.models import DeliveryStatus, ReportDelivery
from tests.coe.factories import CoeFactory
from tests.org.factories import TeamFactory, UserFactory


def manager_with_an_overdue_item(name: str):
    manager = UserFactory(username=name, email=f"{name}@bananastand.example")
    coe = CoeFactory(team=TeamFactory(manager=manager))
    services.action_item_create(
        actor=coe.created_by,
        coe=coe,
        title=f"Overdue item for {name}",
        owner=coe.created_by,
        team=coe.team,
        term=Term.MEDIUM,
        due_date=timezone.localdate() - timedelta(days=3),
        confirm_past_due=True,
    )
    return manager


def deliveries(status: str = DeliveryStatus.SENT) -> int:
    return ReportDelivery.objects.filter(status=status).count()
