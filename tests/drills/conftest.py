import pytest

from .loopback import RedisServer


@pytest.fixture
def broker(tmp_path):
    """A broker of the drill's own, on a spare port."""
    server = RedisServer(log=tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()
