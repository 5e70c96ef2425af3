"""Incident metrics for the weekly ops meeting: counts and mean times over a period [start, end)."""

from datetime import UTC, datetime, timedelta

import pytest

from incidents.models import Severity, Status
from incidents.selectors import incident_metrics_by_severity, incident_metrics_by_team
from tests.org.factories import TeamFactory

from .factories import IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
START = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
IN_PERIOD = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def _incident(*, detected_at, ttd, ttm=None, ttr=None, **fields):
    """An incident detected at `detected_at`; its other times are minutes either side of that."""
    status, mitigated_at, resolved_at = Status.INVESTIGATING, None, None
    if ttm is not None:
        status, mitigated_at = Status.MITIGATED, detected_at + timedelta(minutes=ttm)
    if ttr is not None:
        status, resolved_at = Status.RESOLVED, detected_at + timedelta(minutes=ttr)
    return IncidentFactory(
        status=status,
        impact_started_at=detected_at - timedelta(minutes=ttd),
        detected_at=detected_at,
        mitigated_at=mitigated_at,
        resolved_at=resolved_at,
        **fields,
    )


def _minutes(n):
    return timedelta(minutes=n)


# By team


def test_only_incidents_detected_in_the_period_count_for_a_team():
    team = TeamFactory()
    at_start = _incident(detected_at=START, ttd=5, teams=[team])
    before_end = _incident(detected_at=END - timedelta(seconds=1), ttd=5, teams=[team])
    _incident(detected_at=START - timedelta(seconds=1), ttd=5, teams=[team])
    _incident(detected_at=END, ttd=5, teams=[team])

    metrics = incident_metrics_by_team(start=START, end=END)

    assert set(metrics[team].incidents) == {at_start, before_end}
    assert metrics[team].count == 2


def test_an_incident_detected_in_the_period_counts_even_if_impact_began_before_it():
    team = TeamFactory()
    incident = _incident(detected_at=START + _minutes(10), ttd=60, teams=[team])

    metrics = incident_metrics_by_team(start=START, end=END)

    assert metrics[team].incidents == [incident]


def test_team_mean_times_to_detect_mitigate_and_resolve():
    team = TeamFactory()
    _incident(detected_at=IN_PERIOD, ttd=10, ttm=30, ttr=60, teams=[team])
    _incident(detected_at=IN_PERIOD + _minutes(5), ttd=20, ttm=50, ttr=100, teams=[team])

    [metrics] = incident_metrics_by_team(start=START, end=END).values()

    assert metrics.mean_time_to_detect == _minutes(15)
    assert metrics.mean_time_to_mitigate == _minutes(40)
    assert metrics.mean_time_to_resolve == _minutes(80)


def test_unresolved_incidents_count_toward_detection_but_not_resolution():
    team = TeamFactory()
    _incident(detected_at=IN_PERIOD, ttd=10, ttm=30, ttr=60, teams=[team])
    _incident(detected_at=IN_PERIOD, ttd=20, ttm=50, teams=[team])
    _incident(detected_at=IN_PERIOD, ttd=30, teams=[team])

    metrics = incident_metrics_by_team(start=START, end=END)[team]

    assert metrics.count == 3
    assert metrics.mean_time_to_detect == _minutes(20)
    assert metrics.mean_time_to_mitigate == _minutes(40)
    assert metrics.mean_time_to_resolve == _minutes(60)


def test_a_team_with_only_open_incidents_has_no_mean_time_to_resolve():
    team = TeamFactory()
    _incident(detected_at=IN_PERIOD, ttd=10, teams=[team])

    metrics = incident_metrics_by_team(start=START, end=END)[team]

    assert metrics.mean_time_to_detect == _minutes(10)
    assert metrics.mean_time_to_mitigate is None
    assert metrics.mean_time_to_resolve is None


def test_an_incident_counts_for_every_team_engaged_on_it():
    payments, checkout = TeamFactory(name="Payments"), TeamFactory(name="Checkout")
    shared = _incident(detected_at=IN_PERIOD, ttd=5, teams=[payments, checkout])
    own = _incident(detected_at=IN_PERIOD, ttd=5, teams=[checkout])

    metrics = incident_metrics_by_team(start=START, end=END)

    assert metrics[payments].incidents == [shared]
    assert set(metrics[checkout].incidents) == {shared, own}


def test_teams_are_listed_by_name_and_only_when_they_had_incidents():
    zebra, apple, idle = TeamFactory(name="Zebra"), TeamFactory(name="Apple"), TeamFactory()
    _incident(detected_at=IN_PERIOD, ttd=5, teams=[zebra])
    _incident(detected_at=IN_PERIOD, ttd=5, teams=[apple])
    _incident(detected_at=IN_PERIOD, ttd=5)

    metrics = incident_metrics_by_team(start=START, end=END)

    assert list(metrics) == [apple, zebra]
    assert idle not in metrics


def test_a_period_without_incidents_has_no_team_metrics():
    _incident(detected_at=START - timedelta(days=1), ttd=5, teams=[TeamFactory()])

    assert incident_metrics_by_team(start=START, end=END) == {}


# By severity


def test_every_severity_is_present_even_with_no_incidents():
    metrics = incident_metrics_by_severity(start=START, end=END)

    assert list(metrics) == list(Severity)
    for severity_metrics in metrics.values():
        assert severity_metrics.count == 0
        assert severity_metrics.mean_time_to_detect is None
        assert severity_metrics.mean_time_to_mitigate is None
        assert severity_metrics.mean_time_to_resolve is None


def test_only_incidents_detected_in_the_period_count_for_a_severity():
    at_start = _incident(detected_at=START, ttd=5, severity=Severity.SEV2)
    _incident(detected_at=START - timedelta(seconds=1), ttd=5, severity=Severity.SEV2)
    _incident(detected_at=END, ttd=5, severity=Severity.SEV2)

    metrics = incident_metrics_by_severity(start=START, end=END)

    assert metrics[Severity.SEV2].incidents == [at_start]


def test_severity_mean_times_leave_unresolved_incidents_out_of_time_to_resolve():
    sev1 = {"severity": Severity.SEV1}
    _incident(detected_at=IN_PERIOD, ttd=4, ttm=20, ttr=90, **sev1)
    _incident(detected_at=IN_PERIOD, ttd=6, ttm=40, ttr=30, **sev1)
    _incident(detected_at=IN_PERIOD, ttd=8, ttm=60, **sev1)
    _incident(detected_at=IN_PERIOD, ttd=30, ttm=5, ttr=5, severity=Severity.SEV4)

    metrics = incident_metrics_by_severity(start=START, end=END)

    assert metrics[Severity.SEV1].count == 3
    assert metrics[Severity.SEV1].mean_time_to_detect == _minutes(6)
    assert metrics[Severity.SEV1].mean_time_to_mitigate == _minutes(40)
    assert metrics[Severity.SEV1].mean_time_to_resolve == _minutes(60)
    assert metrics[Severity.SEV4].mean_time_to_detect == _minutes(30)
    assert metrics[Severity.SEV3].count == 0


def test_a_reopened_incident_counts_again_toward_resolution_only_once_resolved_again():
    _incident(detected_at=IN_PERIOD, ttd=10, severity=Severity.SEV3)  # reopened: times cleared
    _incident(detected_at=IN_PERIOD, ttd=10, ttm=20, ttr=40, severity=Severity.SEV3)

    metrics = incident_metrics_by_severity(start=START, end=END)[Severity.SEV3]

    assert metrics.mean_time_to_mitigate == _minutes(20)
    assert metrics.mean_time_to_resolve == _minutes(40)
