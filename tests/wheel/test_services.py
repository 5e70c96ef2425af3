"""The wheel's services: every write, its permission check, and Σw = N after each change."""

import math
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.concurrency import run_at_once
from tests.org.factories import TeamFactory, UserFactory
from wheel import services
from wheel.models import LogEntry, Participant, Rig, Spin, Wheel

from .factories import (
    FreeFormParticipantFactory,
    ParticipantFactory,
    SpinFactory,
    WheelFactory,
    wheel_admin,
    wheel_with_teams,
)

pytestmark = pytest.mark.django_db

SEED = 7


@pytest.fixture
def admin():
    return wheel_admin(first_name="Ada", last_name="Admin")


@pytest.fixture
def person():
    return UserFactory(first_name="Eli", last_name="Engel")


def weights(wheel: Wheel) -> list[float]:
    return list(wheel.participants.order_by("pk").values_list("weight", flat=True))


def assert_sums_to_n(wheel: Wheel) -> None:
    values = weights(wheel)
    assert math.fsum(values) == pytest.approx(len(values), abs=1e-9)


def spin_and_choose(wheel, actor, rng=None) -> Spin:
    spin = services.wheel_spin(wheel=wheel, actor=actor, rng=rng or random.Random(SEED))
    return services.wheel_choose(spin=spin, actor=actor)


# Creating wheels and participants


def test_admin_creates_a_wheel_with_teams_at_weight_one(admin):
    teams = TeamFactory.create_batch(3)
    wheel = services.wheel_create(actor=admin, name="Ops meeting", slug="ops", teams=teams)
    assert weights(wheel) == [1.0, 1.0, 1.0]
    assert [p.team for p in wheel.participants.order_by("pk")] == teams
    assert wheel.log.filter(kind=LogEntry.Kind.CREATED).exists()


def test_staff_are_wheel_admins():
    staff = UserFactory(is_staff=True)
    assert services.wheel_create(actor=staff, name="Staff wheel", slug="staff")


def test_people_without_the_permission_cannot_create_or_change_wheels(person):
    wheel = wheel_with_teams(2)
    participant = wheel.participants.first()
    refused = [
        lambda: services.wheel_create(actor=person, name="Mine", slug="mine"),
        lambda: services.wheel_update(wheel=wheel, actor=person, changes={"name": "Renamed"}),
        lambda: services.participant_add(wheel=wheel, actor=person, team=TeamFactory()),
        lambda: services.participant_update(participant=participant, actor=person, weight=9),
        lambda: services.participant_delete(participant=participant, actor=person),
        lambda: services.wheel_reset(wheel=wheel, actor=person),
        lambda: services.wheel_rig(wheel=wheel, actor=person, participant=participant, reason="x"),
        lambda: services.wheel_unrig(wheel=wheel, actor=person),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDenied):
            attempt()
    assert weights(wheel) == [1.0, 1.0]


def test_a_new_participant_joins_at_weight_one_keeping_the_sum_at_n(admin, person):
    wheel = wheel_with_teams(3)
    spin_and_choose(wheel, person)
    services.participant_add(
        wheel=wheel, actor=admin, name="Platform guild", url="https://guild.example.com/"
    )
    assert weights(wheel)[-1] == 1.0
    assert_sums_to_n(wheel)


def test_a_team_is_on_a_wheel_once(admin):
    wheel = wheel_with_teams(1)
    team = wheel.participants.get().team
    with pytest.raises(ValidationError) as refusal:
        services.participant_add(wheel=wheel, actor=admin, team=team)
    assert "already on this wheel" in refusal.value.message_dict["team"][0]


def test_free_form_names_are_unique_on_a_wheel_ignoring_case_and_team_names(admin):
    wheel = WheelFactory()
    ParticipantFactory(wheel=wheel, team=TeamFactory(name="Banana Storage"))
    FreeFormParticipantFactory(wheel=wheel, name="Platform guild")
    for name in ["platform GUILD", "banana storage"]:
        with pytest.raises(ValidationError) as refusal:
            services.participant_add(
                wheel=wheel, actor=admin, name=name, url="https://example.com/"
            )
        assert "name" in refusal.value.message_dict


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example.com/", "data:,x"])
def test_free_form_urls_are_web_addresses_only(admin, url):
    with pytest.raises(ValidationError) as refusal:
        services.participant_add(wheel=WheelFactory(), actor=admin, name="Guest", url=url)
    assert refusal.value.message_dict["url"] == [
        "Enter a web address that starts with http:// or https://."
    ]


def test_a_free_form_participant_needs_a_name_and_a_url(admin):
    with pytest.raises(ValidationError) as refusal:
        services.participant_add(wheel=WheelFactory(), actor=admin)
    assert set(refusal.value.message_dict) == {"name", "url"}


def test_a_negative_weight_is_refused(admin):
    participant = ParticipantFactory()
    with pytest.raises(ValidationError) as refusal:
        services.participant_update(participant=participant, actor=admin, weight=-1)
    assert "weight" in refusal.value.message_dict
    participant.refresh_from_db()
    assert participant.weight == 1.0


def test_an_admin_sets_a_weight_and_the_log_says_so(admin):
    wheel = wheel_with_teams(2)
    participant = wheel.participants.first()
    services.participant_update(participant=participant, actor=admin, weight=3)
    assert weights(wheel) == [3.0, 1.0]
    entry = wheel.log.get(kind=LogEntry.Kind.EDITED)
    assert entry.text == f"Ada Admin set {participant.display_name}'s weight from 1 to 3."


# Spinning


def test_spinning_an_empty_wheel_is_refused_with_a_clear_message(person):
    with pytest.raises(ValidationError) as refusal:
        services.wheel_spin(wheel=WheelFactory(), actor=person)
    assert refusal.value.messages == [
        "This wheel has no participants yet: a wheel admin adds teams first."
    ]


def test_every_spin_is_recorded_and_changes_no_weight(person):
    wheel = wheel_with_teams(4)
    spin = services.wheel_spin(wheel=wheel, actor=person, rng=random.Random(SEED))
    assert weights(wheel) == [1.0] * 4
    assert spin.spun_by == person
    assert spin.participant.wheel == wheel
    assert spin.participant_name == spin.participant.display_name
    assert not spin.was_chosen
    assert spin.rig is None


def test_a_seeded_random_makes_spins_repeatable(person):
    wheel = wheel_with_teams(6)

    def ten_spins(rng):
        return [services.wheel_spin(wheel=wheel, actor=person, rng=rng).participant_id
                for _ in range(10)]  # fmt: skip

    first = ten_spins(random.Random(SEED))
    assert ten_spins(random.Random(SEED)) == first
    assert len(set(first)) > 1


def test_spins_never_land_on_a_participant_at_weight_zero(person, admin):
    wheel = wheel_with_teams(3)
    resting = wheel.participants.first()
    services.participant_update(participant=resting, actor=admin, weight=0)
    rng = random.Random(SEED)
    results = {
        services.wheel_spin(wheel=wheel, actor=person, rng=rng).participant_id for _ in range(200)
    }
    assert resting.pk not in results
    assert len(results) == 2


# Choosing


def test_choosing_zeroes_the_chosen_weight_and_keeps_the_sum_at_n(person):
    wheel = wheel_with_teams(5)
    spin = spin_and_choose(wheel, person)
    chosen = Participant.objects.get(pk=spin.participant_id)
    assert chosen.weight == 0
    assert chosen.selection_count == 1
    assert chosen.last_selected_at == spin.chosen_at
    assert spin.chosen_by == person
    assert_sums_to_n(wheel)
    assert sorted(weights(wheel)) == pytest.approx([0, 1.25, 1.25, 1.25, 1.25])


def test_a_spin_is_chosen_once(person):
    wheel = wheel_with_teams(3)
    spin = spin_and_choose(wheel, person)
    with pytest.raises(ValidationError, match="already been chosen"):
        services.wheel_choose(spin=spin, actor=person)


def test_the_participant_chosen_last_time_cannot_be_chosen_again_next(person):
    wheel = wheel_with_teams(3)
    first = spin_and_choose(wheel, person)
    stale = SpinFactory(participant=first.participant, wheel=wheel)
    with pytest.raises(ValidationError, match="was chosen last time"):
        services.wheel_choose(spin=stale, actor=person)
    assert_sums_to_n(wheel)


def test_a_wheel_of_one_always_chooses_its_one_participant(person):
    wheel = wheel_with_teams(1)
    for _ in range(3):
        spin_and_choose(wheel, person)
    only = wheel.participants.get()
    assert only.weight == 1.0
    assert only.selection_count == 3


def test_nobody_is_chosen_twice_in_a_row_over_many_spin_and_select_rounds(person):
    wheel = wheel_with_teams(5)
    rng = random.Random(SEED)
    previous = None
    for _ in range(300):
        spin = spin_and_choose(wheel, person, rng)
        assert spin.participant_id != previous
        previous = spin.participant_id
        assert_sums_to_n(wheel)
    assert Spin.objects.filter(wheel=wheel, chosen_at__isnull=False).count() == 300
    counts = wheel.participants.values_list("selection_count", flat=True)
    assert sum(counts) == 300
    assert min(counts) >= 45  # fair: about 60 each


# Removing and resetting


def test_removing_a_participant_keeps_the_sum_at_the_new_n(admin, person):
    wheel = wheel_with_teams(4)
    spin_and_choose(wheel, person)
    spin_and_choose(wheel, person)
    leaving = wheel.participants.exclude(weight=0).first()
    services.participant_delete(participant=leaving, actor=admin)
    assert wheel.participants.count() == 3
    assert_sums_to_n(wheel)


def test_removing_a_participant_keeps_its_spins_in_the_history(admin, person):
    wheel = wheel_with_teams(2)
    spin = spin_and_choose(wheel, person)
    name = spin.participant_name
    services.participant_delete(participant=spin.participant, actor=admin)
    spin.refresh_from_db()
    assert spin.participant is None
    assert spin.participant_name == name
    assert wheel.log.filter(kind=LogEntry.Kind.REMOVED, text__contains=name).exists()


def test_reset_puts_every_weight_back_to_one_and_keeps_the_counts(admin, person):
    wheel = wheel_with_teams(4)
    for _ in range(3):
        spin_and_choose(wheel, person, random.Random())
    services.wheel_reset(wheel=wheel, actor=admin)
    assert weights(wheel) == [1.0] * 4
    assert_sums_to_n(wheel)
    assert sum(wheel.participants.values_list("selection_count", flat=True)) == 3
    assert wheel.log.get(kind=LogEntry.Kind.RESET).actor == admin


# Rigging


def test_a_rig_fixes_every_spin_until_a_selection_clears_it(admin, person):
    wheel = wheel_with_teams(4)
    target = wheel.participants.last()
    rig = services.wheel_rig(
        wheel=wheel, actor=admin, participant=target, reason="Storage's new dashboard", hidden=True
    )
    spins = [services.wheel_spin(wheel=wheel, actor=person) for _ in range(5)]
    assert {spin.participant_id for spin in spins} == {target.pk}
    assert all(spin.rig == rig for spin in spins)

    services.wheel_choose(spin=spins[-1], actor=person)
    rig.refresh_from_db()
    assert rig.cleared_at is not None
    assert rig.cleared_because == Rig.Cleared.SELECTED
    assert services.wheel_spin(wheel=wheel, actor=person).rig is None


def test_the_audit_log_records_who_rigged_for_whom_why_and_whether_hidden(admin):
    wheel = wheel_with_teams(2)
    target = wheel.participants.first()
    services.wheel_rig(
        wheel=wheel, actor=admin, participant=target, reason="New on-call", hidden=True
    )
    rig = wheel.rigs.get()
    assert (rig.rigged_by, rig.participant, rig.reason, rig.hidden) == (
        admin,
        target,
        "New on-call",
        True,
    )
    entry = wheel.log.get(kind=LogEntry.Kind.RIGGED)
    assert entry.actor == admin
    assert (
        entry.text
        == f"Ada Admin rigged the next spin for {target.display_name} (hidden): New on-call"
    )


def test_a_new_rig_replaces_the_pending_one(admin):
    wheel = wheel_with_teams(3)
    first, second = wheel.participants.all()[:2]
    services.wheel_rig(wheel=wheel, actor=admin, participant=first, reason="one")
    services.wheel_rig(wheel=wheel, actor=admin, participant=second, reason="two")
    old, new = wheel.rigs.order_by("pk")
    assert old.cleared_because == Rig.Cleared.REPLACED
    assert new.is_active


def test_rigging_needs_a_reason_when_the_wheel_says_so(admin):
    wheel = wheel_with_teams(2, require_rig_reason=True)
    with pytest.raises(ValidationError) as refusal:
        services.wheel_rig(wheel=wheel, actor=admin, participant=wheel.participants.first())
    assert "reason" in refusal.value.message_dict
    wheel.require_rig_reason = False
    wheel.save()
    assert services.wheel_rig(wheel=wheel, actor=admin, participant=wheel.participants.first())


def test_rigging_is_refused_when_switched_off(admin):
    wheel = wheel_with_teams(2, allow_rigging=False)
    with pytest.raises(ValidationError, match="switched off"):
        services.wheel_rig(
            wheel=wheel, actor=admin, participant=wheel.participants.first(), reason="x"
        )


def test_a_rig_cannot_pick_the_participant_chosen_last_time(admin, person):
    wheel = wheel_with_teams(3)
    last = spin_and_choose(wheel, person).participant
    with pytest.raises(ValidationError) as refusal:
        services.wheel_rig(wheel=wheel, actor=admin, participant=last, reason="again!")
    assert "chosen last time" in refusal.value.message_dict["participant"][0]


def test_cancelling_a_rig_or_switching_rigging_off_makes_spins_fair_again(admin, person):
    wheel = wheel_with_teams(3)
    target = wheel.participants.first()
    services.wheel_rig(wheel=wheel, actor=admin, participant=target, reason="x")
    services.wheel_unrig(wheel=wheel, actor=admin)
    assert wheel.rigs.get().cleared_because == Rig.Cleared.CANCELLED

    services.wheel_rig(wheel=wheel, actor=admin, participant=target, reason="y")
    services.wheel_update(wheel=wheel, actor=admin, changes={"allow_rigging": False})
    assert not wheel.rigs.filter(cleared_at__isnull=True).exists()
    assert services.wheel_spin(wheel=wheel, actor=person).rig is None


def test_removing_the_rigged_participant_clears_the_rig(admin):
    wheel = wheel_with_teams(3)
    target = wheel.participants.first()
    services.wheel_rig(wheel=wheel, actor=admin, participant=target, reason="x")
    services.participant_delete(participant=target, actor=admin)
    rig = wheel.rigs.get()
    assert rig.cleared_because == Rig.Cleared.REMOVED
    assert rig.participant_name == target.display_name


# Two people choosing at the same moment


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_selects_queue_and_leave_the_weights_consistent():
    wheel = wheel_with_teams(4)
    people = UserFactory.create_batch(2)
    first, second = wheel.participants.order_by("pk")[:2]
    spins = [
        SpinFactory(wheel=wheel, participant=first, spun_by=people[0]),
        SpinFactory(wheel=wheel, participant=second, spun_by=people[1]),
    ]
    _chosen, errors = run_at_once(
        *(
            (lambda spin=spin, actor=actor: services.wheel_choose(spin=spin, actor=actor))
            for spin, actor in zip(spins, people, strict=True)
        )
    )

    assert errors == []
    assert Spin.objects.filter(wheel=wheel, chosen_at__isnull=False).count() == 2
    assert_sums_to_n(wheel)
    first.refresh_from_db()
    second.refresh_from_db()
    # Whoever went second zeroed its own weight after taking a share of the first one's.
    assert sorted([first.weight, second.weight])[0] == 0
    assert {first.selection_count, second.selection_count} == {1}


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_choices_of_the_same_participant_commit_only_one():
    wheel = wheel_with_teams(3)
    target = wheel.participants.first()
    spins = SpinFactory.create_batch(2, wheel=wheel, participant=target)
    chosen, refused = run_at_once(
        *(
            (lambda spin=spin: services.wheel_choose(spin=spin, actor=spin.spun_by))
            for spin in spins
        )
    )
    outcomes = ["chosen" for _ in chosen] + [error.messages[0] for error in refused]

    assert sorted(outcomes) == sorted(
        ["chosen", f"{target.display_name} was chosen last time; spin again."]
    )
    target.refresh_from_db()
    assert target.selection_count == 1
    assert_sums_to_n(wheel)


def test_deleting_a_wheel_takes_its_spins_rigs_and_log_with_it(admin, person):
    wheel = wheel_with_teams(3)
    services.wheel_rig(wheel=wheel, actor=admin, participant=wheel.participants.first(), reason="x")
    spin_and_choose(wheel, person)
    wheel.delete()
    assert not (Spin.objects.exists() or Rig.objects.exists() or LogEntry.objects.exists())
    assert not Participant.objects.exists()
