from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Prefetch, Q, QuerySet

from .models import Service, Team


def team_list() -> QuerySet[Team]:
    """Every team with its manager and the counts the team list shows, in one query."""
    return Team.objects.select_related("manager").annotate(
        member_count=Count("members", distinct=True),
        service_count=Count("services", distinct=True),
    )


def team_detail(slug: str) -> QuerySet[Team]:
    return (
        Team.objects.filter(slug=slug)
        .select_related("manager")
        .prefetch_related(
            "members", Prefetch("services", queryset=Service.objects.order_by("name"))
        )
    )


def teams_for_user(user: AbstractBaseUser) -> QuerySet[Team]:
    """Teams the user belongs to or manages."""
    return (
        Team.objects.filter(Q(members=user) | Q(manager=user))
        .distinct()
        .select_related("manager")
        .prefetch_related("services")
    )


def teams_needing_attention() -> QuerySet[Team]:
    """Teams that cannot take part in the mechanisms: no manager to report to, or no dashboard."""
    return Team.objects.filter(Q(manager__isnull=True) | Q(dashboard_url=""))
