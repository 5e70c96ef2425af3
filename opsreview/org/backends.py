"""Signing in by username and password, and the signed-in person as each request loads them."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import Notification, Team
from .selectors import time_zone_name


def unread_count() -> Coalesce:
    """A person's unread notifications, as a subquery on the user row (the partial index on
    unread rows answers it)."""
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


class PeopleBackend(ModelBackend):
    """Django's model backend, whose per-request user carries what every page may show about
    them: `unread_notifications` (the header's inbox count), `manages_a_team` (the
    dashboard's report preview) and `time_zone_name` (the zone they chose, "" if none), read in
    the query that loads the user rather than more."""

    def get_user(self, user_id):
        people = get_user_model()._default_manager.annotate(
            unread_notifications=unread_count(),
            manages_a_team=Exists(Team.objects.filter(manager=OuterRef("pk"))),
            time_zone_name=time_zone_name(),
        )
        user = people.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
