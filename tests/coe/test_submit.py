"""Submitting a COE for review: refused until complete and blameless, then in review."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from coe.blameless import CHAIN_SUGGESTION
from coe.findings import unacknowledged_findings
from coe.models import BlamelessAcknowledgement, Status
from coe.services import SubmissionRefused, blameless_acknowledge, coe_submit
from tests.org.factories import UserFactory

from .factories import FIVE_WHYS, CoeFactory, add_factor, complete_coe, save_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
OPERATOR_ERROR = "It was operator error."


def _submit(coe):
    return coe_submit(coe=coe, actor=coe.created_by)


def _refusal(coe) -> SubmissionRefused:
    with pytest.raises(SubmissionRefused) as refused:
        _submit(coe)
    return refused.value


def _assert_still_a_draft(coe):
    coe.refresh_from_db()
    assert coe.status == Status.DRAFT
    assert coe.submitted_at is None


# Complete and blameless: accepted


def test_a_complete_coe_goes_into_review_with_the_time_it_was_submitted(time_machine):
    coe = complete_coe()
    time_machine.move_to(NOW, tick=False)

    submitted = _submit(coe)

    coe.refresh_from_db()
    assert (submitted.status, submitted.submitted_at) == (Status.IN_REVIEW, NOW)
    assert (coe.status, coe.submitted_at) == (Status.IN_REVIEW, NOW)


def test_a_coe_with_changes_requested_can_be_submitted_again(time_machine):
    coe = complete_coe()
    coe.status = Status.CHANGES_REQUESTED
    coe.save(update_fields=["status"])
    time_machine.move_to(NOW, tick=False)

    _submit(coe)

    coe.refresh_from_db()
    assert (coe.status, coe.submitted_at) == (Status.IN_REVIEW, NOW)


def test_submitting_a_coe_already_in_review_is_refused():
    coe = complete_coe()
    submitted = _submit(coe)

    with pytest.raises(PermissionDenied, match="can be edited as a draft or when changes"):
        _submit(submitted)


def test_submitting_twice_from_a_copy_loaded_before_the_first_submission_is_refused(time_machine):
    coe = complete_coe()
    time_machine.move_to(NOW, tick=False)
    _submit(coe)  # `coe` itself still says draft: coe_submit returns a fresh instance
    time_machine.move_to(datetime(2026, 3, 10, tzinfo=UTC), tick=False)

    with pytest.raises(PermissionDenied, match="in review"):
        _submit(coe)

    coe.refresh_from_db()
    assert coe.submitted_at == NOW


# Incomplete: refused, nothing changes


def test_an_incomplete_coe_is_refused_with_the_missing_sections_and_stays_a_draft():
    coe = CoeFactory()

    refused = _refusal(coe)

    assert refused.missing == coe.missing_sections()
    assert "summary" in refused.missing
    assert refused.findings == []
    assert refused.messages == ["Not submitted: 8 sections incomplete."]
    _assert_still_a_draft(coe)


def test_a_coe_missing_one_section_is_refused_naming_that_section():
    coe = complete_coe()
    save_text(coe, "lessons", "")

    refused = _refusal(coe)

    assert refused.missing == {"lessons": ["Write down the lessons learned."]}
    assert refused.messages == ["Not submitted: 1 section incomplete."]
    _assert_still_a_draft(coe)


# Blameless findings: fix the wording or acknowledge it


def test_submission_is_refused_while_a_blameless_finding_is_unacknowledged():
    coe = complete_coe()
    save_text(coe, "lessons", OPERATOR_ERROR)

    refused = _refusal(coe)

    assert refused.missing == {}
    assert [(f.section, f.phrase) for f in refused.findings] == [("lessons", "operator error")]
    assert refused.messages == ["Not submitted: 1 blameless finding to resolve or acknowledge."]
    _assert_still_a_draft(coe)


def test_a_refusal_names_both_incomplete_sections_and_findings():
    coe = CoeFactory()
    save_text(coe, "lessons", OPERATOR_ERROR)

    refused = _refusal(coe)

    assert "lessons" not in refused.missing
    assert len(refused.findings) == 1
    assert refused.messages == [
        "Not submitted: 7 sections incomplete and 1 blameless finding to resolve or acknowledge."
    ]


def test_submission_is_accepted_once_the_wording_is_fixed():
    coe = complete_coe()
    save_text(coe, "lessons", OPERATOR_ERROR)
    _refusal(coe)

    save_text(coe, "lessons", "One command could change every gateway at once, with no canary.")

    assert _submit(coe).status == Status.IN_REVIEW


def test_submission_is_accepted_once_the_finding_is_acknowledged_with_a_reason():
    coe = complete_coe()
    save_text(coe, "lessons", f"The customer's ticket said: “{OPERATOR_ERROR}”")
    [finding] = _refusal(coe).findings

    acknowledgement = blameless_acknowledge(
        coe=coe,
        actor=coe.created_by,
        fingerprint=finding.fingerprint,
        reason="A quote from the customer's ticket, kept word for word.",
    )

    assert (acknowledgement.phrase, acknowledgement.acknowledged_by) == (
        "operator error",
        coe.created_by,
    )
    assert unacknowledged_findings(coe) == []
    assert _submit(coe).status == Status.IN_REVIEW


@pytest.mark.parametrize("reason", ["", "   \n"], ids=["empty", "whitespace"])
def test_acknowledging_needs_a_reason(reason):
    coe = complete_coe()
    save_text(coe, "lessons", OPERATOR_ERROR)
    [finding] = unacknowledged_findings(coe)

    with pytest.raises(ValidationError) as refused:
        blameless_acknowledge(
            coe=coe, actor=coe.created_by, fingerprint=finding.fingerprint, reason=reason
        )

    assert refused.value.message_dict == {"reason": ["Say why this wording should stay."]}
    assert not BlamelessAcknowledgement.objects.exists()


def test_only_a_current_finding_can_be_acknowledged():
    coe = complete_coe()

    with pytest.raises(ValidationError, match="no longer in the COE"):
        blameless_acknowledge(
            coe=coe,
            actor=coe.created_by,
            fingerprint="lessons:phrase:operator error",
            reason="Quoting the customer.",
        )

    assert not BlamelessAcknowledgement.objects.exists()


def test_a_finding_whose_wording_was_fixed_can_no_longer_be_acknowledged():
    coe = complete_coe()
    save_text(coe, "lessons", OPERATOR_ERROR)
    [finding] = unacknowledged_findings(coe)
    save_text(coe, "lessons", "One command could change every gateway at once.")

    with pytest.raises(ValidationError, match="no longer in the COE"):
        blameless_acknowledge(
            coe=coe, actor=coe.created_by, fingerprint=finding.fingerprint, reason="Quoting."
        )


def test_acknowledging_the_same_finding_again_updates_the_reason():
    coe = complete_coe()
    save_text(coe, "lessons", OPERATOR_ERROR)
    [finding] = unacknowledged_findings(coe)

    for reason in ("Quoting the customer.", "Quoting the customer's ticket #4411."):
        blameless_acknowledge(
            coe=coe, actor=coe.created_by, fingerprint=finding.fingerprint, reason=reason
        )

    assert list(BlamelessAcknowledgement.objects.values_list("reason", flat=True)) == [
        "Quoting the customer's ticket #4411."
    ]


# Why-chains must not stop at a person


def test_a_why_chain_ending_at_a_named_person_is_flagged():
    UserFactory(first_name="Eli", last_name="Engel", username="eengel")
    coe = complete_coe()
    for factor in coe.factors.all():
        factor.delete()
    add_factor(
        coe,
        steps=[
            *FIVE_WHYS[:4],
            ("Why did a stale template reach production?", "Eli Engel ran the deploy by hand."),
        ],
    )

    refused = _refusal(coe)

    assert refused.missing == {}
    [chain] = [finding for finding in refused.findings if finding.kind == "chain"]
    assert chain.section == "five_whys"
    assert chain.phrase == "Eli Engel ran the deploy by hand."
    assert chain.suggestion == CHAIN_SUGGESTION
    assert chain.suggestion.startswith("Don't stop at operators")
    _assert_still_a_draft(coe)


def test_a_why_chain_ending_at_the_system_is_not_flagged():
    UserFactory(first_name="Eli", last_name="Engel", username="eengel")
    coe = complete_coe()

    assert unacknowledged_findings(coe) == []
    assert _submit(coe).status == Status.IN_REVIEW
