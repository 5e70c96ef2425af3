"""What a complete COE contains, section by section: Coe.missing_sections()."""

import pytest

from coe.models import SECTIONS, CoeKind, CoeTemplateSettings
from coe.services import coe_timeline_entry_delete, factor_delete
from opsreview.actions.models import Term
from opsreview.actions.services import action_item_wont_do
from tests.incidents.factories import IncidentFactory

from .factories import (
    FIVE_WHYS,
    CoeFactory,
    add_factor,
    add_item,
    complete_coe,
    save_impact,
    save_text,
)

pytestmark = pytest.mark.django_db

REQUIRED_BY_DEFAULT = [
    "summary",
    "impact",
    "timeline",
    "metrics",
    "questions",
    "five_whys",
    "lessons",
    "corrective_actions",
]


def _without_factors(coe):
    for factor in coe.factors.all():
        factor_delete(factor=factor, actor=coe.created_by)
    return coe


def _without_items(coe):
    """Items are never deleted; deciding against them is how a COE drops one."""
    for item in coe.action_items.all():
        action_item_wont_do(item=item, actor=coe.created_by, reason="Superseded")
    return coe


def _with_factor(steps):
    return add_factor(_without_factors(complete_coe()), steps=steps).coe


# A new COE


def test_a_new_coe_lists_every_required_section_in_document_order():
    coe = CoeFactory()

    assert list(coe.missing_sections()) == REQUIRED_BY_DEFAULT


def test_related_items_are_optional_by_default():
    coe = CoeFactory()

    assert "related" not in coe.missing_sections()
    assert [s.key for s in SECTIONS if s.key not in REQUIRED_BY_DEFAULT] == ["related"]


def test_a_complete_coe_is_missing_nothing():
    assert complete_coe().missing_sections() == {}


# Each required section, emptied on an otherwise complete COE


def _empty_text(key):
    def empty(coe):
        save_text(coe, key, "   \n")

    return empty


def _empty_impact(coe):
    save_impact(
        coe, body="", impact_duration_minutes=None, customers_affected=None, requests_affected=None
    )


def _empty_timeline(coe):
    for entry in coe.timeline_entries.all():
        coe_timeline_entry_delete(entry=entry, actor=coe.created_by)


def _empty_questions(coe):
    for key in ("detection", "diagnosis", "mitigation"):
        save_text(coe, key, "")


EMPTIED = {
    "summary": (_empty_text("summary"), ["Write a summary of what happened."]),
    "impact": (
        _empty_impact,
        [
            "Describe who was affected and how.",
            "Say how long customers were affected (impact duration).",
            "Say how many customers or requests were affected.",
        ],
    ),
    "timeline": (_empty_timeline, ["Add at least 2 timeline entries (0 so far)."]),
    "metrics": (_empty_text("metrics"), ["Add the metrics that show impact and recovery."]),
    "questions": (
        _empty_questions,
        [
            "Answer the detection questions: How was it detected? How could detection time be "
            "halved?",
            "Answer the diagnosis questions: How was the cause found? What slowed the diagnosis?",
            "Answer the mitigation questions: How was it mitigated? How could it be mitigated "
            "faster?",
        ],
    ),
    "five_whys": (
        _without_factors,
        ["Add at least one contributing factor and ask why until you reach the cause."],
    ),
    "lessons": (_empty_text("lessons"), ["Write down the lessons learned."]),
    "corrective_actions": (
        _without_items,
        ["Add at least 1 corrective action item (0 so far)."],
    ),
}


def test_every_section_required_by_default_has_a_case_below():
    assert list(EMPTIED) == REQUIRED_BY_DEFAULT


@pytest.mark.parametrize("key", EMPTIED)
def test_an_emptied_section_is_named_alone_with_what_to_write(key):
    empty, messages = EMPTIED[key]
    coe = complete_coe()

    empty(coe)

    assert coe.missing_sections() == {key: messages}


# Impact: the text, how long, and how many


@pytest.mark.parametrize(
    ("blank", "message"),
    [
        ({"body": ""}, "Describe who was affected and how."),
        (
            {"impact_duration_minutes": None},
            "Say how long customers were affected (impact duration).",
        ),
        (
            {"customers_affected": None, "requests_affected": None},
            "Say how many customers or requests were affected.",
        ),
    ],
    ids=["text", "duration", "customers_or_requests"],
)
def test_each_missing_part_of_the_impact_has_its_own_message(blank, message):
    coe = complete_coe()

    save_impact(coe, **blank)

    assert coe.missing_sections() == {"impact": [message]}


def test_impact_is_complete_with_requests_affected_instead_of_customers():
    coe = complete_coe()

    save_impact(coe, customers_affected=None, requests_affected=250_000)

    assert coe.missing_sections() == {}


def test_zero_customers_affected_is_an_answer_not_a_gap():
    coe = complete_coe()

    save_impact(coe, customers_affected=0)

    assert coe.missing_sections() == {}


# Timeline


def test_the_timeline_needs_two_entries_by_default():
    coe = complete_coe()

    coe_timeline_entry_delete(entry=coe.timeline_entries.first(), actor=coe.created_by)

    assert coe.missing_sections() == {"timeline": ["Add at least 2 timeline entries (1 so far)."]}


# Incident questions


@pytest.mark.parametrize("key", ["detection", "diagnosis", "mitigation"])
def test_each_unanswered_question_is_listed(key):
    coe = complete_coe()

    save_text(coe, key, "")

    [message] = coe.missing_sections()["questions"]
    assert message.startswith(f"Answer the {key} questions: ")


# Five whys


def test_a_factor_four_whys_deep_is_not_deep_enough():
    coe = _with_factor(FIVE_WHYS[:4])

    assert coe.missing_sections() == {
        "five_whys": [
            "Factor 1 (Gateway configuration) goes 4 whys deep; keep asking why until at least 5."
        ]
    }


def test_a_factor_five_whys_deep_is_complete():
    coe = _with_factor(FIVE_WHYS)

    assert coe.missing_sections() == {}


def test_an_untitled_factor_one_why_deep_is_named_by_its_number():
    coe = complete_coe()
    add_factor(coe, steps=FIVE_WHYS[:1], title="")

    assert coe.missing_sections() == {
        "five_whys": ["Factor 2 goes 1 why deep; keep asking why until at least 5."]
    }


@pytest.mark.parametrize(
    "half_step",
    [("Why was there no validation stage?", ""), ("", "Nobody had planned one.")],
    ids=["why_without_because", "because_without_why"],
)
def test_a_step_with_only_half_an_answer_is_flagged(half_step):
    coe = _with_factor([*FIVE_WHYS, half_step])

    assert coe.missing_sections() == {
        "five_whys": [
            "Factor 1 (Gateway configuration) has a why without its because "
            "(or a because without its why)."
        ]
    }


def test_a_half_answered_step_does_not_count_towards_the_depth():
    coe = _with_factor([*FIVE_WHYS[:4], ("Why did a stale template reach production?", "")])

    assert coe.missing_sections()["five_whys"] == [
        "Factor 1 (Gateway configuration) goes 4 whys deep; keep asking why until at least 5.",
        "Factor 1 (Gateway configuration) has a why without its because "
        "(or a because without its why).",
    ]


# The template settings decide what is required


def test_the_template_settings_change_what_is_missing():
    coe = complete_coe()
    _without_factors(coe)
    add_factor(coe, steps=FIVE_WHYS[:3])
    coe_timeline_entry_delete(entry=coe.timeline_entries.first(), actor=coe.created_by)
    save_text(coe, "metrics", "")
    assert list(coe.missing_sections()) == ["timeline", "metrics", "five_whys"]

    CoeTemplateSettings.objects.filter(pk=CoeTemplateSettings.load().pk).update(
        min_why_depth=3,
        require_metrics=False,
        require_related=True,
        min_corrective_actions=2,
        min_timeline_entries=1,
    )

    assert coe.missing_sections() == {
        "corrective_actions": ["Add at least 2 corrective action items (1 so far)."],
        "related": ["Link related COEs, incidents or tickets."],
    }


def test_missing_sections_reads_the_template_it_is_given():
    coe = CoeFactory()
    template = CoeTemplateSettings(
        **{f"require_{key}": False for key in REQUIRED_BY_DEFAULT}, require_related=True
    )

    assert coe.missing_sections(template) == {
        "related": ["Link related COEs, incidents or tickets."]
    }


def test_the_template_settings_are_one_row_per_kind_of_coe():
    assert CoeTemplateSettings.load() == CoeTemplateSettings.load(CoeKind.INCIDENT)
    assert CoeTemplateSettings.load(CoeKind.NEAR_MISS) == CoeTemplateSettings.load(
        CoeKind.NEAR_MISS
    )
    assert sorted(CoeTemplateSettings.objects.values_list("kind", flat=True)) == sorted(CoeKind)


# Corrective actions are action items


def test_items_decided_against_do_not_count_as_corrective_actions():
    coe = complete_coe()
    template = CoeTemplateSettings.load()
    template.min_corrective_actions = 2
    add_item(coe, title="Retain config versions")
    assert coe.missing_sections(template) == {}

    action_item_wont_do(item=coe.action_items.first(), actor=coe.created_by, reason="Duplicate")

    assert coe.missing_sections(template) == {
        "corrective_actions": ["Add at least 2 corrective action items (1 so far)."]
    }


def test_notes_alone_do_not_complete_the_corrective_actions():
    coe = _without_items(complete_coe())

    save_text(coe, "corrective_actions", "- Add a canary\n- Retain config versions")

    assert coe.missing_sections() == {
        "corrective_actions": ["Add at least 1 corrective action item (0 so far)."]
    }


@pytest.mark.parametrize("severity", [1, 2])
def test_a_major_incident_coe_needs_a_medium_or_long_term_item(severity):
    coe = _without_items(complete_coe(incident=IncidentFactory(severity=severity)))
    add_item(coe, term=Term.SHORT)

    assert coe.missing_sections() == {
        "corrective_actions": [
            f"A Sev-{severity} COE needs at least one medium- or long-term item: short-term "
            "fixes alone rarely prevent a recurrence."
        ]
    }

    add_item(coe, term=Term.LONG, title="Fund a configuration service")
    assert coe.missing_sections() == {}


def test_short_term_items_are_enough_for_a_sev3_coe():
    coe = _without_items(complete_coe(incident=IncidentFactory(severity=3)))
    add_item(coe, term=Term.SHORT)

    assert coe.missing_sections() == {}
