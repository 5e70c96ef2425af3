import pytest

from tests.reports.delivery_week import NOW


@pytest.fixture
def frozen(time_machine):
    """Monday 30 November 2026, 09:00 in London (a test module may freeze another moment)."""
    time_machine.move_to(NOW, tick=False)
    return time_machine
