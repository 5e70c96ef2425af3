from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from incidents.models import CallLeader, Incident, Severity, Status, TimelineEntry
from tests.org.factories import UserFactory


class IncidentFactory(DjangoModelFactory):
    """A Sev-3 incident under investigation, detected five minutes after impact began.

    Built directly (not through incident_declare) so tests can set up any state; tests of the
    lifecycle itself go through the services.
    """

    class Meta:
        model = Incident
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Banana requests failing #{n}")
    severity = Severity.SEV3
    status = Status.INVESTIGATING
    impact_started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=20))
    detected_at = factory.LazyAttribute(lambda i: i.impact_started_at + timedelta(minutes=5))
    declared_at = factory.LazyAttribute(lambda i: i.detected_at)
    declared_by = factory.SubFactory(UserFactory)
    call_leader = factory.LazyAttribute(lambda i: i.declared_by)

    class Params:
        # Impact stopped ten minutes after detection.
        mitigated = factory.Trait(
            status=Status.MITIGATED,
            mitigated_at=factory.LazyAttribute(lambda i: i.detected_at + timedelta(minutes=10)),
        )
        # Mitigated as above, and the work finished five minutes later.
        resolved = factory.Trait(
            status=Status.RESOLVED,
            mitigated_at=factory.LazyAttribute(lambda i: i.detected_at + timedelta(minutes=10)),
            resolved_at=factory.LazyAttribute(lambda i: i.detected_at + timedelta(minutes=15)),
        )

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            self.teams.set(extracted)


class TimelineEntryFactory(DjangoModelFactory):
    class Meta:
        model = TimelineEntry

    incident = factory.SubFactory(IncidentFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    text = "Error rate on the API Gateway back to baseline."
    author = factory.SubFactory(UserFactory)


class CallLeaderFactory(DjangoModelFactory):
    class Meta:
        model = CallLeader
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def shadows(self, create, extracted, **kwargs):
        if create and extracted:
            self.shadows.set(extracted)
