import pytest
from django.db import transaction

from .site import build_site


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The crawled demo, built once per module inside a transaction rolled back at its end;
    each test (and each example in it) then runs in a savepoint on top of it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_site()
        transaction.set_rollback(True)
