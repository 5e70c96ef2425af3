import factory
from django.contrib.auth.models import Permission
from factory.django import DjangoModelFactory

from tests.org.factories import TeamFactory, UserFactory
from wheel.models import Participant, Spin, Wheel


class WheelFactory(DjangoModelFactory):
    class Meta:
        model = Wheel
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Wheel {n}")
    slug = factory.Sequence(lambda n: f"wheel-{n}")


class ParticipantFactory(DjangoModelFactory):
    """A team on a wheel at weight 1."""

    class Meta:
        model = Participant

    wheel = factory.SubFactory(WheelFactory)
    team = factory.SubFactory(TeamFactory)


class FreeFormParticipantFactory(DjangoModelFactory):
    """Someone who is not a team: a name and the page opened when they are chosen."""

    class Meta:
        model = Participant

    wheel = factory.SubFactory(WheelFactory)
    name = factory.Sequence(lambda n: f"Guest {n}")
    url = factory.LazyAttribute(lambda p: f"https://dashboards.example.com/guests/{p.name[6:]}")


class SpinFactory(DjangoModelFactory):
    class Meta:
        model = Spin

    participant = factory.SubFactory(ParticipantFactory)
    wheel = factory.SelfAttribute("participant.wheel")
    participant_name = factory.LazyAttribute(lambda s: s.participant.display_name)
    spun_by = factory.SubFactory(UserFactory)


def wheel_admin(**kwargs):
    """Not staff: a person given the wheel-admin permission."""
    user = UserFactory(**kwargs)
    user.user_permissions.add(Permission.objects.get(codename="administer_wheel"))
    return user


def wheel_with_teams(count: int, **kwargs) -> Wheel:
    wheel = WheelFactory(**kwargs)
    ParticipantFactory.create_batch(count, wheel=wheel)
    return wheel
