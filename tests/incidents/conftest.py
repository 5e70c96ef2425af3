import pytest

from .factories import CallLeaderFactory


@pytest.fixture
def leader(client):
    """A signed-in call leader on the roster."""
    user = CallLeaderFactory().user
    client.force_login(user)
    return user
