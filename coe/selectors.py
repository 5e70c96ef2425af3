from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When

from opsreview.models import Team

from .models import Coe, Status


def coe_list(
    *,
    user: AbstractBaseUser,
    status: str = "",
    team: Team | None = None,
    severity: int | None = None,
) -> QuerySet[Coe]:
    """The signed-in person's own drafts first, then everything else, newest first."""
    authored = Coe.authors.through.objects.filter(coe=OuterRef("pk"), user=user)
    coes = (
        Coe.objects.select_related("team", "incident")
        .prefetch_related("authors")
        .annotate(
            mine_first=Case(
                When(Exists(authored), status=Status.DRAFT, then=Value(0)), default=Value(1)
            )
        )
        .order_by("mine_first", "-created_at", "-pk")
    )
    if status:
        coes = coes.filter(status=status)
    if team:
        coes = coes.filter(team=team)
    if severity:
        coes = coes.filter(incident__severity=severity)
    return coes
