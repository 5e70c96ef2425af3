"""An owner hears of an item given to them, and of their open items due in two days: once."""

from datetime import date, timedelta

import pytest
from django.core import mail

from opsreview.actions.services import (
    action_item_complete,
    action_item_update,
    items_due_soon_notify,
)
from opsreview.actions.tasks import notify_items_due_soon
from opsreview.org.models import Notification, NotificationKind
from tests.coe.factories import CoeFactory, add_item
from tests.org.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


def told(person, kind) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind=kind))


@pytest.fixture
def author():
    return UserFactory(first_name="Priya", last_name="Shah")


@pytest.fixture
def coe(author):
    return CoeFactory(actor=author)


def test_an_item_given_to_someone_tells_them_once_the_change_commits(
    coe, author, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="ola@example.com")
    coe.team.members.add(owner)
    with django_capture_on_commit_callbacks(execute=True):
        item = add_item(coe, owner=owner, actor=author, title="Canary every config change")

    [notification] = told(owner, NotificationKind.ITEM_ASSIGNED)
    assert "Priya Shah gave you an action item" in notification.text
    assert "Canary every config change" in notification.text
    assert notification.url == item.get_absolute_url()
    [message] = mail.outbox
    assert message.to == ["ola@example.com"]


def test_an_item_one_gives_oneself_tells_nobody(coe, author):
    add_item(coe, owner=author, actor=author)
    assert not Notification.objects.exists()


def test_handing_an_item_to_someone_else_tells_the_new_owner(coe, author):
    item = add_item(coe, owner=author, actor=author)
    ola = UserFactory()
    coe.team.members.add(ola)

    action_item_update(item=item, actor=author, changes={"owner": ola})
    action_item_update(item=item, actor=author, changes={"title": "Renamed"})  # not a new owner

    assert len(told(ola, NotificationKind.ITEM_ASSIGNED)) == 1


def test_owners_of_open_items_due_in_two_days_are_told_once_however_often_the_beat_runs(
    coe, author, time_machine
):
    time_machine.move_to(TODAY, tick=False)
    ola, bo = UserFactory(), UserFactory()
    due = add_item(coe, owner=ola, actor=author, due_date=TODAY + timedelta(days=2))
    add_item(coe, owner=bo, actor=author, due_date=TODAY + timedelta(days=3))  # not yet
    done = add_item(coe, owner=bo, actor=author, due_date=TODAY + timedelta(days=2))
    action_item_complete(item=done, actor=author)
    Notification.objects.all().delete()  # the assignments

    assert items_due_soon_notify() == 1
    assert notify_items_due_soon.delay().get() == 0  # the beat again: nothing new

    [notification] = told(ola, NotificationKind.ITEM_DUE_SOON)
    assert notification.url == due.get_absolute_url()
    assert "due on Saturday 28 Nov" in notification.text
    assert told(bo, NotificationKind.ITEM_DUE_SOON) == []


def test_an_item_moved_to_a_new_due_date_is_announced_again(coe, author, time_machine):
    time_machine.move_to(TODAY, tick=False)
    ola = UserFactory()
    item = add_item(coe, owner=ola, actor=author, due_date=TODAY + timedelta(days=2))
    items_due_soon_notify()
    action_item_update(item=item, actor=author, changes={"due_date": TODAY + timedelta(days=4)})
    time_machine.move_to(TODAY + timedelta(days=2), tick=False)

    items_due_soon_notify()

    assert len(told(ola, NotificationKind.ITEM_DUE_SOON)) == 2
