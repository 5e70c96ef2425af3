"""Who may add and change action items, checked where the rule lives: in the services.

An item is changed by its owner, members of the item's team, the authors of its COE and staff;
it is added by the people working on its COE (authors, the owning team) or its incident (the
call leader, engaged teams), and staff. Inactive people do neither.
"""

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied

from opsreview.actions.models import ActionItem, Term
from opsreview.actions.services import (
    action_item_complete,
    action_item_create,
    action_item_reopen,
    action_item_start,
    action_item_update,
    action_item_wont_do,
)
from tests.coe.factories import CoeFactory
from tests.incidents.factories import IncidentFactory
from tests.org.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    """An item and the people around it; the item's team is not its COE's owning team."""

    item: ActionItem
    owner: object
    item_team_member: object
    coe_author: object | None = None


def coe_scene() -> Scene:
    owner, item_team_member, coe_author = UserFactory.create_batch(3)
    coe = CoeFactory(authors=[coe_author])
    item = action_item_create(
        actor=coe.created_by,
        coe=coe,
        title="Add a canary stage for gateway configuration",
        owner=owner,
        team=TeamFactory(members=[item_team_member]),
        term=Term.MEDIUM,
    )
    return Scene(item, owner, item_team_member, coe_author)


def incident_scene() -> Scene:
    owner, item_team_member = UserFactory.create_batch(2)
    incident = IncidentFactory(mitigated=True)
    item = action_item_create(
        actor=incident.call_leader,
        incident=incident,
        title="Roll back banana-config 4411",
        owner=owner,
        team=TeamFactory(members=[item_team_member]),
        term=Term.SHORT,
    )
    return Scene(item, owner, item_team_member)


def _deactivated(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


# Who is who, given a scene. The inactive owner is the item's own owner, switched off.
PEOPLE = {
    "owner": lambda scene: scene.owner,
    "member of the item's team": lambda scene: scene.item_team_member,
    "author of the COE": lambda scene: scene.coe_author,
    "staff": lambda scene: UserFactory(is_staff=True),
    "unrelated user": lambda scene: UserFactory(),
    "inactive owner": lambda scene: _deactivated(scene.owner),
    "inactive staff": lambda scene: UserFactory(is_staff=True, is_active=False),
}
MAY_CHANGE_COE_ITEM = ["owner", "member of the item's team", "author of the COE", "staff"]
MAY_NOT_CHANGE_COE_ITEM = ["unrelated user", "inactive owner", "inactive staff"]
MAY_CHANGE_INCIDENT_ITEM = ["owner", "member of the item's team", "staff"]
MAY_NOT_CHANGE_INCIDENT_ITEM = ["unrelated user", "inactive owner", "inactive staff"]


def _finished(item):
    return action_item_complete(item=item, actor=UserFactory(is_staff=True))


# Each change: how to get the item ready for it (as staff), and the change itself.
CHANGES = {
    "start": (lambda item: item, lambda item, actor: action_item_start(item=item, actor=actor)),
    "complete": (
        lambda item: item,
        lambda item, actor: action_item_complete(item=item, actor=actor),
    ),
    "wont_do": (
        lambda item: item,
        lambda item, actor: action_item_wont_do(item=item, actor=actor, reason="Superseded."),
    ),
    "reopen": (_finished, lambda item, actor: action_item_reopen(item=item, actor=actor)),
    "update": (
        lambda item: item,
        lambda item, actor: action_item_update(
            item=item, actor=actor, changes={"title": "Canary gateway config"}
        ),
    ),
}


def stored(item: ActionItem) -> dict:
    return ActionItem.objects.filter(pk=item.pk).values().get()


def _change_as(scene: Scene, change: str, person: str):
    prepare, perform = CHANGES[change]
    item = prepare(scene.item)
    actor = PEOPLE[person](scene)
    return ActionItem.objects.get(pk=item.pk), actor, perform


def _assert_changed_by(item: ActionItem, actor, perform) -> None:
    before, history = stored(item), item.history.count()

    perform(item, actor)

    assert stored(item) != before
    assert item.history.count() == history + 1
    assert item.history.order_by("history_id").last().history_user == actor


def _assert_refused_to(item: ActionItem, actor, perform) -> None:
    before, history = stored(item), item.history.count()

    with pytest.raises(PermissionDenied):
        perform(item, actor)

    assert stored(item) == before
    assert item.history.count() == history


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("person", MAY_CHANGE_COE_ITEM)
def test_these_people_may_change_a_coe_item(change, person):
    _assert_changed_by(*_change_as(coe_scene(), change, person))


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("person", MAY_NOT_CHANGE_COE_ITEM)
def test_anyone_else_is_refused_and_the_coe_item_is_untouched(change, person):
    _assert_refused_to(*_change_as(coe_scene(), change, person))


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("person", MAY_CHANGE_INCIDENT_ITEM)
def test_these_people_may_change_an_item_raised_on_an_incident(change, person):
    _assert_changed_by(*_change_as(incident_scene(), change, person))


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("person", MAY_NOT_CHANGE_INCIDENT_ITEM)
def test_anyone_else_is_refused_an_item_raised_on_an_incident(change, person):
    _assert_refused_to(*_change_as(incident_scene(), change, person))


def test_an_author_of_another_coe_may_not_change_the_item():
    scene = coe_scene()
    other_author = CoeFactory().created_by
    item = ActionItem.objects.get(pk=scene.item.pk)

    _assert_refused_to(item, other_author, CHANGES["complete"][1])


# The same answer whether or not a list looked up the person's teams and COEs beforehand


@pytest.mark.parametrize(
    ("scene_for", "person", "may"),
    [(coe_scene, person, True) for person in MAY_CHANGE_COE_ITEM]
    + [(coe_scene, person, False) for person in MAY_NOT_CHANGE_COE_ITEM]
    + [(incident_scene, person, True) for person in MAY_CHANGE_INCIDENT_ITEM]
    + [(incident_scene, person, False) for person in MAY_NOT_CHANGE_INCIDENT_ITEM],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_can_be_changed_by_agrees_with_and_without_precomputed_ids(scene_for, person, may):
    scene = scene_for()
    user = PEOPLE[person](scene)
    item = ActionItem.objects.get(pk=scene.item.pk)
    team_ids = set(user.teams.values_list("pk", flat=True))
    authored_coe_ids = set(user.coes_authored.values_list("pk", flat=True))

    assert item.can_be_changed_by(user) is may
    assert item.can_be_changed_by(user, team_ids=team_ids, authored_coe_ids=authored_coe_ids) is may


# Adding items


def _add_to_coe(coe, actor):
    return action_item_create(
        actor=actor, coe=coe, title="Canary", owner=coe.created_by, team=coe.team, term=Term.MEDIUM
    )


def _add_to_incident(incident, actor):
    return action_item_create(
        actor=actor,
        incident=incident,
        title="Roll back",
        owner=incident.call_leader,
        team=TeamFactory(),
        term=Term.SHORT,
    )


def _coe_with_people():
    author, team_member = UserFactory.create_batch(2)
    gone_author, gone_member = UserFactory.create_batch(2, is_active=False)
    coe = CoeFactory(
        authors=[author, gone_author], team=TeamFactory(members=[team_member, gone_member])
    )
    return coe, {
        "creator": coe.created_by,
        "co-author": author,
        "member of the owning team": team_member,
        "staff": UserFactory(is_staff=True),
        "unrelated user": UserFactory(),
        "inactive co-author": gone_author,
        "inactive member of the owning team": gone_member,
        "inactive staff": UserFactory(is_staff=True, is_active=False),
    }


def _incident_with_people():
    engaged, gone = UserFactory(), UserFactory(is_active=False)
    incident = IncidentFactory(teams=[TeamFactory(members=[engaged, gone])])
    return incident, {
        "call leader": incident.call_leader,
        "member of an engaged team": engaged,
        "staff": UserFactory(is_staff=True),
        "unrelated user": UserFactory(),
        "inactive member of an engaged team": gone,
        "inactive staff": UserFactory(is_staff=True, is_active=False),
    }


@pytest.mark.parametrize("person", ["creator", "co-author", "member of the owning team", "staff"])
def test_the_people_working_on_a_coe_may_add_its_items(person):
    coe, people = _coe_with_people()

    item = _add_to_coe(coe, people[person])

    assert item.coe == coe
    assert item.created_by == people[person]


@pytest.mark.parametrize(
    "person",
    [
        "unrelated user",
        "inactive co-author",
        "inactive member of the owning team",
        "inactive staff",
    ],
)
def test_nobody_else_may_add_items_to_a_coe(person):
    coe, people = _coe_with_people()

    with pytest.raises(PermissionDenied):
        _add_to_coe(coe, people[person])

    assert not ActionItem.objects.exists()


@pytest.mark.parametrize("person", ["call leader", "member of an engaged team", "staff"])
def test_the_people_running_an_incident_may_add_its_items(person):
    incident, people = _incident_with_people()

    item = _add_to_incident(incident, people[person])

    assert item.incident == incident
    assert item.created_by == people[person]


@pytest.mark.parametrize(
    "person", ["unrelated user", "inactive member of an engaged team", "inactive staff"]
)
def test_nobody_else_may_add_items_to_an_incident(person):
    incident, people = _incident_with_people()

    with pytest.raises(PermissionDenied):
        _add_to_incident(incident, people[person])

    assert not ActionItem.objects.exists()


def test_working_on_a_coe_does_not_open_its_incident_to_you():
    incident = IncidentFactory()
    coe_author = UserFactory()
    CoeFactory(incident=incident, actor=UserFactory(is_staff=True), authors=[coe_author])

    with pytest.raises(PermissionDenied):
        _add_to_incident(incident, coe_author)
