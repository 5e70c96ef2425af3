from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When

from opsreview.org.models import Service, Team

from .models import Coe, CoeText, Status


def coe_list(
    *,
    user: AbstractBaseUser,
    q: str = "",
    status: str = "",
    team: Team | None = None,
    severity: int | None = None,
    service: Service | None = None,
    category: str = "",
) -> QuerySet[Coe]:
    """The signed-in person's own drafts first, then everything else, newest first.

    `q` finds words in the title or any section; the rest narrow by what the COE is about.
    """
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
    if service:
        coes = coes.filter(incident__services=service)
    if category:
        coes = coes.filter(factors__category=category)
    if q.strip():
        matching = CoeText.objects.filter(coe=OuterRef("pk"), body__icontains=q.strip())
        coes = coes.filter(Q(title__icontains=q.strip()) | Exists(matching))
    return coes.distinct()
