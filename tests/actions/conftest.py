"""What the action-item tests share: one fixed morning and a person signed in."""

from datetime import UTC, datetime

import pytest

from tests.org.factories import UserFactory

MORNING = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return time_machine


@pytest.fixture
def me(client):
    user = UserFactory()
    client.force_login(user)
    return user
