import copy
from dataclasses import fields

import pytest
from django.db import models, transaction
from django.test import override_settings

from .table import SNS_TOPIC
from .world import World, build_world


def _fresh(value):
    """The row as stored, without the caches building it left behind (cheap to copy)."""
    if isinstance(value, models.Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: _fresh(item) for key, item in value.items()}
    return value


def _reloaded(world: World) -> World:
    return World(**{f.name: _fresh(getattr(world, f.name)) for f in fields(World)})


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction rolled back at its end.

    Each test runs in a savepoint inside that transaction (pytest-django's `db`), as Django's
    setUpTestData does, so every test starts from the same untouched world.
    """
    # The suite's fast hasher is set per test; this world is built before any test starts.
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), transaction.atomic():
        with fast_hashing:
            world = _reloaded(build_world())
        yield world
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def sns_topic_listed(settings):
    """The SNS topic the table's alarm names is one the endpoint listens to."""
    settings.SNS_TOPIC_ARNS = [SNS_TOPIC]


@pytest.fixture
def world(shared_world, db):
    """The shared world's objects, copied so nothing one test does to them reaches the next."""
    return copy.deepcopy(shared_world)
