from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from incidents.models import (
    CallLeader,
    Incident,
    Severity,
    Status,
    TimelineEntry,
    last_update_recompute,
)
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
    last_update_at = factory.LazyAttribute(lambda i: i.declared_at)  # nothing on the timeline
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
    """An entry written straight to the table, so the incident's stored last update is
    recomputed afterwards, as every write path does (and the given incident object sees it)."""

    class Meta:
        model = TimelineEntry
        skip_postgeneration_save = True

    incident = factory.SubFactory(IncidentFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    text = "Error rate on the API Gateway back to baseline."
    author = factory.SubFactory(UserFactory)

    @factory.post_generation
    def last_update(self, create, extracted, **kwargs):
        if create:
            last_update_recompute(Incident.objects.filter(pk=self.incident_id))
            self.incident.refresh_from_db(fields=["last_update_at"])


class CallLeaderFactory(DjangoModelFactory):
    class Meta:
        model = CallLeader
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def shadows(self, create, extracted, **kwargs):
        if create and extracted:
            self.shadows.set(extracted)
