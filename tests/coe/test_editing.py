"""Editing a COE: versioned texts that never lose an edit, titles, incidents, timeline, factors."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from coe.models import TEXTS, Coe, CoeText
from coe.services import (
    StaleVersion,
    coe_create,
    coe_text_save,
    coe_timeline_copy_from_incident,
    coe_update_title,
    factor_save,
)
from tests.incidents.factories import IncidentFactory, TimelineEntryFactory
from tests.org.factories import TeamFactory, UserFactory

from .factories import FIVE_WHYS, CoeFactory, add_factor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)


def _stored(coe, key="summary") -> CoeText:
    return CoeText.objects.get(coe=coe, key=key)


def _save(coe, body, *, base_version, actor=None, key="summary"):
    return coe_text_save(
        coe=coe, key=key, body=body, base_version=base_version, actor=actor or coe.created_by
    )


# Versioned texts


def test_a_new_coe_has_every_text_empty_at_version_0():
    coe = CoeFactory()

    texts = {text.key: (text.body, text.version) for text in coe.texts.all()}

    assert texts == dict.fromkeys(TEXTS, ("", 0))


def test_saving_a_text_bumps_its_version_and_records_who_and_when(time_machine):
    coe = CoeFactory()
    time_machine.move_to(NOW, tick=False)

    saved = _save(coe, "Checkout failed for 42 minutes.", base_version=0)

    stored = _stored(coe)
    assert (stored.body, stored.version) == ("Checkout failed for 42 minutes.", 1)
    assert (stored.updated_by, stored.updated_at) == (coe.created_by, NOW)
    assert saved.version == 1


def test_a_save_based_on_a_stale_version_is_refused_with_the_current_text():
    coe = CoeFactory()
    colleague = UserFactory()
    coe.authors.add(colleague)
    _save(coe, "Theirs: checkout failed.", base_version=0, actor=colleague)

    with pytest.raises(StaleVersion) as stale:
        _save(coe, "Mine: checkout was down.", base_version=0)

    assert (stale.value.current.body, stale.value.current.version) == (
        "Theirs: checkout failed.",
        1,
    )
    stored = _stored(coe)
    assert (stored.body, stored.version, stored.updated_by) == (
        "Theirs: checkout failed.",
        1,
        colleague,
    )


def test_after_a_stale_refusal_the_writer_can_merge_on_top_of_the_current_version():
    coe = CoeFactory()
    _save(coe, "Theirs.", base_version=0)
    with pytest.raises(StaleVersion) as stale:
        _save(coe, "Mine.", base_version=0)

    _save(coe, "Theirs. Mine.", base_version=stale.value.current.version)

    assert (_stored(coe).body, _stored(coe).version) == ("Theirs. Mine.", 2)


def test_a_stale_save_of_the_text_already_stored_is_accepted_silently():
    coe = CoeFactory()
    _save(coe, "Same words.", base_version=0)

    saved = _save(coe, "Same words.", base_version=0)

    assert (saved.body, saved.version) == ("Same words.", 1)
    assert _stored(coe).version == 1


def test_saving_a_section_that_does_not_exist_is_refused():
    coe = CoeFactory()

    with pytest.raises(ValidationError, match="no section called 'root_cause'"):
        _save(coe, "Anything.", base_version=0, key="root_cause")


# Size: 100,000 characters a section (rendering stays fast: benchmarks/markdown.py)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("a" * 100_001, id="ascii"),
        pytest.param("é" * 100_001, id="two_byte_characters"),
    ],
)
def test_a_text_over_100_000_characters_is_refused(body):
    coe = CoeFactory()

    with pytest.raises(ValidationError) as refused:
        _save(coe, body, base_version=0)

    [message] = refused.value.message_dict["body"]
    assert "at most 100,000 characters" in message
    assert (_stored(coe).body, _stored(coe).version) == ("", 0)


@pytest.mark.parametrize(
    "body",
    [pytest.param("a" * 100_000, id="ascii"), pytest.param("é" * 100_000, id="two_byte")],
)
def test_a_text_of_exactly_100_000_characters_is_accepted(body):
    coe = CoeFactory()

    _save(coe, body, base_version=0)

    assert len(_stored(coe).body) == 100_000


# Titles


@pytest.mark.parametrize("title", ["", "   ", None])
def test_a_coe_needs_a_title(title):
    with pytest.raises(ValidationError) as refused:
        coe_create(title=title, team=TeamFactory(), actor=UserFactory())

    assert refused.value.message_dict == {"title": ["Give the COE a title."]}
    assert not Coe.objects.exists()


@pytest.mark.parametrize("title", ["", " \t "])
def test_a_title_cannot_be_changed_to_nothing(title):
    coe = CoeFactory(title="Checkout unavailable")

    with pytest.raises(ValidationError) as refused:
        coe_update_title(coe=coe, actor=coe.created_by, title=title)

    assert refused.value.message_dict == {"title": ["Give the COE a title."]}
    coe.refresh_from_db()
    assert coe.title == "Checkout unavailable"


def test_a_title_is_stored_without_surrounding_spaces():
    coe = CoeFactory()

    coe_update_title(coe=coe, actor=coe.created_by, title="  Checkout unavailable in the EU ")

    coe.refresh_from_db()
    assert coe.title == "Checkout unavailable in the EU"


# Creating from an incident


def test_the_creator_is_an_author_alongside_any_named_authors():
    creator, colleague = UserFactory(), UserFactory()

    coe = coe_create(title="Checkout", team=TeamFactory(), actor=creator, authors=[colleague])

    assert set(coe.authors.all()) == {creator, colleague}
    assert coe.created_by == creator


def test_a_coe_takes_the_impact_duration_of_its_incident_in_minutes():
    incident = IncidentFactory(
        mitigated=True,
        impact_started_at=NOW - timedelta(hours=2),
        detected_at=NOW - timedelta(hours=1, minutes=55),
        mitigated_at=NOW - timedelta(hours=1, minutes=17, seconds=40),
    )

    coe = CoeFactory(incident=incident)

    assert coe.impact_duration_minutes == 42  # 42 min 20 s, rounded


def test_a_coe_for_an_incident_still_ongoing_has_no_impact_duration_yet():
    coe = CoeFactory(incident=IncidentFactory())

    assert coe.impact_duration_minutes is None


def test_an_incident_has_at_most_one_coe():
    incident = IncidentFactory(mitigated=True)
    first = CoeFactory(incident=incident)

    with pytest.raises(ValidationError) as refused:
        CoeFactory(incident=incident)

    assert list(refused.value.message_dict) == ["incident"]
    assert list(Coe.objects.all()) == [first]


# Copying the incident's timeline


def test_the_incidents_timeline_is_copied_once():
    incident = IncidentFactory(mitigated=True)
    TimelineEntryFactory(incident=incident, occurred_at=NOW, text="Checkout errors at 38%.")
    TimelineEntryFactory(
        incident=incident, occurred_at=NOW + timedelta(minutes=42), text="Rolled back."
    )
    coe = CoeFactory(incident=incident)

    assert coe_timeline_copy_from_incident(coe=coe, actor=coe.created_by) == 2
    assert coe_timeline_copy_from_incident(coe=coe, actor=coe.created_by) == 0

    assert list(coe.timeline_entries.values_list("occurred_at", "text")) == [
        (NOW, "Checkout errors at 38%."),
        (NOW + timedelta(minutes=42), "Rolled back."),
    ]


def test_entries_added_to_the_incident_later_are_copied_on_the_next_copy():
    incident = IncidentFactory(mitigated=True)
    TimelineEntryFactory(incident=incident, occurred_at=NOW, text="Checkout errors at 38%.")
    coe = CoeFactory(incident=incident)
    coe_timeline_copy_from_incident(coe=coe, actor=coe.created_by)

    TimelineEntryFactory(incident=incident, occurred_at=NOW, text="Gateway config changed.")

    assert coe_timeline_copy_from_incident(coe=coe, actor=coe.created_by) == 1
    assert sorted(coe.timeline_entries.values_list("text", flat=True)) == [
        "Checkout errors at 38%.",
        "Gateway config changed.",
    ]


def test_a_coe_without_an_incident_has_no_timeline_to_copy():
    coe = CoeFactory()

    with pytest.raises(ValidationError, match="not linked to an incident"):
        coe_timeline_copy_from_incident(coe=coe, actor=coe.created_by)


# Contributing factors


def _steps(factor):
    return list(factor.steps.values_list("position", "why", "because"))


def test_saving_a_factor_replaces_its_steps_in_order_and_bumps_its_version():
    coe = CoeFactory()
    factor = add_factor(coe, steps=FIVE_WHYS)
    assert factor.version == 1

    saved = factor_save(
        factor=factor,
        actor=coe.created_by,
        base_version=1,
        title="Gateway configuration",
        category="configuration",
        steps=[("Why B?", "Because B."), ("  ", ""), ("Why A?", " Because A. ")],
    )

    assert saved.version == 2
    assert _steps(factor) == [(1, "Why B?", "Because B."), (2, "Why A?", "Because A.")]


def test_a_stale_factor_save_is_refused_and_leaves_the_steps_as_they_were():
    coe = CoeFactory()
    factor = add_factor(coe, steps=FIVE_WHYS)  # version 0 → 1

    with pytest.raises(StaleVersion) as stale:
        factor_save(
            factor=factor,
            actor=coe.created_by,
            base_version=0,
            title="Something else",
            category="other",
            steps=[("Why?", "Because.")],
        )

    assert stale.value.current.version == 1
    assert _steps(factor) == [
        (position, why, because) for position, (why, because) in enumerate(FIVE_WHYS, start=1)
    ]
    factor.refresh_from_db()
    assert (factor.title, factor.version) == ("Gateway configuration", 1)


# History


def test_every_text_save_leaves_a_historical_record_by_its_author():
    coe = CoeFactory()
    colleague = UserFactory()
    coe.authors.add(colleague)

    _save(coe, "First draft.", base_version=0)
    _save(coe, "Second draft.", base_version=1, actor=colleague)

    records = _stored(coe).history.order_by("history_date")
    assert [(r.body, r.version, r.history_user) for r in records] == [
        ("First draft.", 1, coe.created_by),
        ("Second draft.", 2, colleague),
    ]


def test_a_refused_save_leaves_no_historical_record():
    coe = CoeFactory()
    _save(coe, "Theirs.", base_version=0)

    with pytest.raises(StaleVersion):
        _save(coe, "Mine.", base_version=0)

    assert _stored(coe).history.count() == 1
