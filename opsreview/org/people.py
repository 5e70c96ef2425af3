"""How a person is named and chosen everywhere: full name if known, else username."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def active_people():
    """The people who can be picked: active, and not an account the app itself acts as."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(profile__is_app_account=True)
        .order_by("first_name", "username")
    )


def require_staff(user, reason: str) -> None:
    """Pages for staff only refuse everyone else, saying why."""
    if not user.is_staff:
        raise PermissionDenied(reason)
