from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from incidents.models import Incident
from opsreview.org.models import Service, Team
from opsreview.org.pagination import Excerpt, excerpt

from . import search
from .models import Coe, CoeReview, CoeReviewer, ContributingFactor, ReviewerState, Status

# What a row of the list shows: nothing more is loaded (no section text, no incident write-up).
LIST_FIELDS = (
    "title",
    "status",
    "kind",
    "created_at",
    "team__name",
    "incident__severity",
)
DRAFTS_SHOWN = 10


def coe_list(*, viewer, q: str = "", **filters) -> QuerySet[Coe]:
    """The COEs `viewer` may read, narrowed by what they are about, newest first; with `q`,
    those whose title or sections hold its words, best match first (coe.search.best_first),
    or, when `q` is an incident's reference (INC-142), that incident's COE."""
    coes = _narrowed(viewer=viewer, q=q, **filters)
    if Incident.pk_from_reference(q) is not None:  # the incident's COE: nothing to rank
        return coes.annotate(found_total=Window(Count("pk"))).order_by("-created_at", "-pk")
    if q.strip():
        return search.best_first(_listed(), coes, q.strip())
    return coes.order_by("-created_at", "-pk")


def coe_count_up_to(limit: int, **criteria) -> int:
    """How many COEs coe_list(**criteria) holds, counting no further than `limit`."""
    return _narrowed(**criteria).order_by().values("pk")[:limit].count()


def _narrowed(
    *,
    viewer,
    q: str = "",
    status: str = "",
    team: Team | None = None,
    severity: int | None = None,
    service: Service | None = None,
    category: str = "",
    kind: str = "",
) -> QuerySet[Coe]:
    coes = _listed().readable_by(viewer)
    if kind:
        coes = coes.filter(kind=kind)
    if status:
        coes = coes.filter(status=status)
    if team:
        coes = coes.filter(team=team)
    if severity:
        coes = coes.filter(incident__severity=severity)
    if service:
        coes = coes.filter(incident__services=service)  # one row per incident and service
    if category:
        factors = ContributingFactor.objects.filter(coe=OuterRef("pk"), category=category)
        coes = coes.filter(Exists(factors))
    if (incident_pk := Incident.pk_from_reference(q)) is not None:
        return coes.filter(incident_id=incident_pk)
    return search.matches(coes, q.strip()) if q.strip() else coes


def coe_drafts_of(user: AbstractBaseUser, coes: QuerySet[Coe]) -> list[Coe]:
    """The person's own drafts among `coes` (the newest few), shown above the list."""
    return list(coes.filter(status=Status.DRAFT, authors=user)[:DRAFTS_SHOWN])


def _listed() -> QuerySet[Coe]:
    return Coe.objects.select_related("team", "incident").only(*LIST_FIELDS)


# Pages of the newest-first list, by position rather than by offset: page 300 costs what page 1
# does, and a COE started meanwhile shifts nothing.


@dataclass(frozen=True)
class Cursor:
    """A place in the newest-first list: just before or after the COE started at `created_at`
    with key `pk`. Written in links as "<microseconds since 1970>-<pk>"."""

    created_at: datetime
    pk: int

    EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

    @classmethod
    def of(cls, coe: Coe) -> "Cursor":
        return cls(coe.created_at, coe.pk)

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """Raises ValueError for anything but a cursor this page wrote."""
        micros, _, pk = text.partition("-")
        if not (micros.isdecimal() and pk.isdecimal()) or len(micros) > 17 or len(pk) > 18:
            raise ValueError(f"not a list position: {text[:40]!r}")
        try:
            return cls(cls.EPOCH + timedelta(microseconds=int(micros)), int(pk))
        except OverflowError as error:
            raise ValueError(f"not a list position: {text[:40]!r}") from error

    def __str__(self) -> str:
        return f"{(self.created_at - self.EPOCH) // timedelta(microseconds=1)}-{self.pk}"


@dataclass
class KeysetPage:
    rows: list[Coe]
    newer: Cursor | None  # the "Previous" link: the page before this one, if any
    older: Cursor | None  # the "Next" link


def newest_first_page(
    coes: QuerySet[Coe], *, size: int, before: Cursor | None = None, after: Cursor | None = None
) -> KeysetPage:
    """One page of `coes` (ordered newest first) starting just before `before` (older) or
    ending just after `after` (newer); neither: the newest page."""
    if after is not None:
        newer_first = coes.filter(created_at__gte=after.created_at).filter(
            Q(created_at__gt=after.created_at) | Q(pk__gt=after.pk)
        )
        rows = list(newer_first.order_by("created_at", "pk")[: size + 1])[::-1]
        if len(rows) > size:
            return KeysetPage(rows[1:], Cursor.of(rows[1]), Cursor.of(rows[-1]))
        before = None  # reached the newest: show the first page whole
    if before is not None:
        # created_at <= t bounds the index scan; the OR only sorts out rows started at t itself.
        coes = coes.filter(created_at__lte=before.created_at).filter(
            Q(created_at__lt=before.created_at) | Q(pk__lt=before.pk)
        )
    rows = list(coes[: size + 1])
    older = Cursor.of(rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    newer = Cursor.of(rows[0]) if before is not None and rows else None
    return KeysetPage(rows, newer, older)


# What the dashboard asks a person to do about COEs

COE_WORK_SHOWN = 5
WAITING, DRAFTS, SENT_BACK = "waiting", "drafts", "sent_back"


def coe_work_for(user: AbstractBaseUser) -> dict[str, Excerpt]:
    """The COEs waiting for the person's review (named reviewer, not yet decided), their own
    drafts and those sent back to them: the newest few of each and how many, in one query that
    starts from their own reviews and authorships, never from every COE."""
    asked = CoeReviewer.objects.filter(reviewer=user.pk, state=ReviewerState.REQUESTED)
    written = Coe.authors.through.objects.filter(user=user.pk)
    mine = asked.values("coe_id").union(written.values("coe_id"))
    waiting = Exists(asked.filter(coe=OuterRef("pk")))
    bucket = Case(
        When(Q(status=Status.IN_REVIEW) & Q(waiting), then=Value(WAITING)),
        When(status=Status.DRAFT, then=Value(DRAFTS)),
        When(status=Status.CHANGES_REQUESTED, then=Value(SENT_BACK)),
        default=Value(""),
    )
    rows = (
        Coe.objects.filter(pk__in=mine)
        .select_related("team")
        .only("title", "status", "created_at", "submitted_at", "team__name", "team__slug")
        .annotate(bucket=bucket)
        .exclude(bucket="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("bucket")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            ),
            of=Window(Count("pk"), partition_by=[F("bucket")]),
        )
        .filter(rank__lte=COE_WORK_SHOWN)
        .order_by("bucket", "rank")
    )
    work = {name: Excerpt() for name in (WAITING, DRAFTS, SENT_BACK)}
    for coe in rows:
        work[coe.bucket].append(coe)
        work[coe.bucket].total = coe.of
    return work


REVIEW_OVERDUE_DAYS = 7
STAFF_SHOWN = 10


def coes_overdue_for_review(*, now: datetime) -> Excerpt:
    """COEs in review for more than REVIEW_OVERDUE_DAYS days, the longest waiting first."""
    late = Coe.objects.filter(
        status=Status.IN_REVIEW, submitted_at__lt=now - timedelta(days=REVIEW_OVERDUE_DAYS)
    )
    return excerpt(
        late.select_related("team")
        .only("title", "submitted_at", "team__name", "team__slug")
        .order_by("submitted_at", "pk"),
        STAFF_SHOWN,
    )


# A COE's review state, live. A page open on a COE under way shows a token of its status, its
# latest review and its reviewers; polling, it is answered 204 while the token still reads the
# same (one query), or with the parts that show them.
REVIEW_UNDER_WAY = (Status.DRAFT, Status.IN_REVIEW, Status.CHANGES_REQUESTED)


def _micros(moment) -> int:
    return int(moment.timestamp() * 1_000_000) if moment else 0


def _review_token(status: str, last_review, reviewers: int, requested, decided) -> str:
    """Every change of a reviewer's state sets when it was asked for or decided (or, asked
    again after a resubmission, moves the COE's status on)."""
    return f"{status}.{last_review or 0}.{reviewers}.{_micros(requested)}.{_micros(decided)}"


def review_token(coe: Coe) -> str:
    """The token of a COE as its page loaded it (reviews and reviewers prefetched)."""
    rows = coe.reviewers.all()
    return _review_token(
        coe.status,
        max((review.pk for review in coe.reviews.all()), default=None),
        len(rows),
        max((row.requested_at for row in rows), default=None),
        max((row.decided_at for row in rows if row.decided_at), default=None),
    )


def review_token_now(pk: int) -> tuple[str, Coe] | None:
    """The token the page of COE `pk` would show now, with the COE's status, in one query;
    None if there is no such COE."""
    last_review = CoeReview.objects.filter(coe=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    coe = (
        Coe.objects.filter(pk=pk)
        .only("status")
        .annotate(
            last_review=Subquery(last_review),
            reviewer_count=Count("reviewers"),
            requested=Max("reviewers__requested_at"),
            decided=Max("reviewers__decided_at"),
        )
        .first()
    )
    if coe is None:
        return None
    token = _review_token(
        coe.status, coe.last_review, coe.reviewer_count, coe.requested, coe.decided
    )
    return token, coe
