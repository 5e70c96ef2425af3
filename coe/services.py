"""Every write to a COE. Each checks who may, keeps the lifecycle, and never loses an edit."""

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from incidents.models import CLOCK_SKEW, Incident
from opsreview.org.audit import audit_record
from opsreview.org.editing import StaleVersion
from opsreview.org.fields import require_at_most
from opsreview.org.images import check_image
from opsreview.org.models import AuditAction, NotificationKind, Team
from opsreview.org.people import display_name
from opsreview.org.services import notify, notify_each
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS
from opsreview.org.zones import ask_if_future

from .blameless import Finding
from .findings import (
    coe_findings,
    factor_findings,
    findings_refresh,
    people_index,
    stored,
    stored_findings,
    text_findings,
    timeline_entry_findings,
    unacknowledged_findings,
)
from .models import (
    NEAR_MISS_WITH_INCIDENT,
    TEXTS,
    BlamelessAcknowledgement,
    Coe,
    CoeComment,
    CoeImage,
    CoeKind,
    CoeReview,
    CoeReviewer,
    CoeTemplateSettings,
    CoeText,
    CoeThread,
    CoeTimelineEntry,
    ContributingFactor,
    FactorCategory,
    ReviewDecision,
    ReviewerState,
    Status,
    WhyStep,
)
from .search import refresh_search_vectors


class SubmissionRefused(ValidationError):
    def __init__(self, missing: dict[str, list[str]], findings: list[Finding]):
        self.missing = missing
        self.findings = findings
        parts = []
        if missing:
            parts.append(f"{len(missing)} section{'s' if len(missing) != 1 else ''} incomplete")
        if findings:
            parts.append(
                f"{len(findings)} blameless finding{'s' if len(findings) != 1 else ''} to resolve "
                "or acknowledge"
            )
        super().__init__(f"Not submitted: {' and '.join(parts)}.")


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the COE a title."})
    if len(title) > Coe.TITLE_MAX:
        raise ValidationError({"title": f"Keep the title under {Coe.TITLE_MAX} characters."})
    return title


def _check_size(text: str, field: str) -> None:
    if len(text) > MARKDOWN_MAX_CHARS:
        raise ValidationError(
            {
                field: f"This section is {len(text):,} characters long; a section can hold at "
                f"most {MARKDOWN_MAX_CHARS:,} characters."
            }
        )


@transaction.atomic
def coe_create(
    *,
    title: str,
    team: Team,
    actor: AbstractBaseUser,
    incident: Incident | None = None,
    kind: str = CoeKind.INCIDENT,
    authors: Iterable[AbstractBaseUser] = (),
) -> Coe:
    """Start a draft. One COE per incident, started by someone working it (its call leader, a
    member of an engaged team, or staff); its impact duration comes from the incident. A near
    miss has no incident."""
    if kind == CoeKind.NEAR_MISS and incident is not None:
        raise ValidationError({"incident": NEAR_MISS_WITH_INCIDENT})
    if incident is not None and not incident.can_be_worked_by(actor):
        raise PermissionDenied(
            "The COE of an incident is started by its call leader, a member of an engaged team "
            "or staff."
        )
    if incident is not None and Coe.objects.filter(incident=incident).exists():
        raise ValidationError({"incident": "This incident already has a COE."})
    coe = Coe(title=_clean_title(title), team=team, incident=incident, kind=kind, created_by=actor)
    if incident is not None and incident.impact_duration is not None:
        coe.impact_duration_minutes = round(incident.impact_duration.total_seconds() / 60)
    coe.full_clean()
    coe._history_user = actor
    coe.save()
    coe.authors.set({actor, *authors})
    texts = [CoeText(coe=coe, key=key) for key in TEXTS]
    for text in texts:
        text.render_stored_markdown()  # bulk_create does not call save()
    CoeText.objects.bulk_create(texts)
    refresh_search_vectors(Coe.objects.filter(pk=coe.pk))
    return coe


@transaction.atomic
def coe_update_title(*, coe: Coe, actor: AbstractBaseUser, title: str) -> Coe:
    coe.require_editor(actor)
    coe.title = _clean_title(title)
    coe._history_user = actor
    coe.save(update_fields=["title"])
    refresh_search_vectors(Coe.objects.filter(pk=coe.pk))
    return coe


@transaction.atomic
def coe_text_save(
    *, coe: Coe, key: str, body: str, base_version: int, actor: AbstractBaseUser
) -> CoeText:
    """Save one markdown part, refused (StaleVersion) if someone saved it after `base_version`.

    The writer then sees both texts and merges: never a silent overwrite.
    """
    coe.require_editor(actor)
    if key not in TEXTS:
        raise ValidationError(f"A COE has no section called {key!r}.")
    _check_size(body, "body")
    text = CoeText.objects.select_for_update().get(coe=coe, key=key)
    if text.body == body:
        return text  # nothing to save and nothing to lose, whatever the version
    if text.version != base_version:
        raise StaleVersion(text)
    text.body = body
    text.findings = stored(text_findings(key, body, people_index()))
    text.version += 1
    text.updated_by = actor
    text.updated_at = timezone.now()
    text._history_user = actor
    text.save(update_fields=["body", "findings", "version", "updated_by", "updated_at"])
    refresh_search_vectors(Coe.objects.filter(pk=coe.pk))
    return text


def _check_impact_numbers(**numbers: int | None) -> None:
    errors = {}
    for name, value in numbers.items():
        try:
            Coe._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def coe_impact_save(
    *,
    coe: Coe,
    actor: AbstractBaseUser,
    body: str,
    base_version: int,
    impact_duration_minutes: int | None,
    customers_affected: int | None,
    requests_affected: int | None,
) -> CoeText:
    """The impact section: its text (versioned) and the numbers that go with it; numbers their
    columns cannot hold are refused before anything is saved."""
    _check_impact_numbers(
        impact_duration_minutes=impact_duration_minutes,
        customers_affected=customers_affected,
        requests_affected=requests_affected,
    )
    text = coe_text_save(coe=coe, key="impact", body=body, base_version=base_version, actor=actor)
    coe.impact_duration_minutes = impact_duration_minutes
    coe.customers_affected = customers_affected
    coe.requests_affected = requests_affected
    coe._history_user = actor
    coe.save(update_fields=["impact_duration_minutes", "customers_affected", "requests_affected"])
    return text


@transaction.atomic
def coe_timeline_entry_add(
    *,
    coe: Coe,
    actor: AbstractBaseUser,
    occurred_at: datetime,
    text: str,
    ask_about_time: bool = False,
) -> CoeTimelineEntry:
    """An entry on the COE's timeline. With `ask_about_time` (a form, for the person typing),
    a time in the future or before the incident's impact began raises TimeToConfirm instead
    of being saved."""
    coe.require_editor(actor)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write what happened."})
    require_at_most(text, CoeTimelineEntry.TEXT_MAX, field="text", what="an entry")
    entry = CoeTimelineEntry(coe=coe, occurred_at=occurred_at, text=text)
    entry.full_clean()
    if ask_about_time:
        ask_if_future(occurred_at, field="occurred_at", allowance=CLOCK_SKEW)
        if coe.incident is not None:
            coe.incident.ask_if_before_impact(occurred_at, field="occurred_at")
    entry.findings = stored(timeline_entry_findings(text, people_index()))
    entry.save()
    return entry


@transaction.atomic
def coe_timeline_entry_delete(*, entry: CoeTimelineEntry, actor: AbstractBaseUser) -> None:
    entry.coe.require_editor(actor)
    entry.delete()


@transaction.atomic
def coe_timeline_copy_from_incident(*, coe: Coe, actor: AbstractBaseUser) -> int:
    """Copy the linked incident's timeline; entries already copied are not copied twice."""
    coe.require_editor(actor)
    if coe.incident is None:
        raise ValidationError("This COE is not linked to an incident.")
    existing = set(coe.timeline_entries.values_list("occurred_at", "text"))
    people = people_index()
    new = [
        CoeTimelineEntry(
            coe=coe,
            occurred_at=entry.occurred_at,
            text=entry.text,
            findings=stored(timeline_entry_findings(entry.text, people)),
        )
        for entry in coe.incident.timeline.all()
        if (entry.occurred_at, entry.text) not in existing
    ]
    CoeTimelineEntry.objects.bulk_create(new)
    return len(new)


def _clean_steps(steps: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = [(why.strip(), because.strip()) for why, because in steps]
    cleaned = [(why, because) for why, because in cleaned if why or because]
    for why, because in cleaned:
        if len(why) > WhyStep.TEXT_MAX or len(because) > WhyStep.TEXT_MAX:
            raise ValidationError(f"Keep each why and because under {WhyStep.TEXT_MAX} characters.")
    return cleaned


@transaction.atomic
def factor_add(
    *, coe: Coe, actor: AbstractBaseUser, title: str = "", category: str = FactorCategory.OTHER
) -> ContributingFactor:
    coe.require_editor(actor)
    factor = ContributingFactor(coe=coe, title=(title or "").strip(), category=category)
    factor.full_clean()
    factor._history_user = actor
    factor.save()
    refresh_search_vectors(Coe.objects.filter(pk=coe.pk))  # its title is searched
    return factor


@transaction.atomic
def factor_save(
    *,
    factor: ContributingFactor,
    actor: AbstractBaseUser,
    base_version: int,
    title: str,
    category: str,
    steps: Sequence[tuple[str, str]],
) -> ContributingFactor:
    """Replace a factor's chain of why → because, refused (StaleVersion) if saved meanwhile."""
    factor.coe.require_editor(actor)
    locked = ContributingFactor.objects.select_for_update().get(pk=factor.pk)
    if locked.version != base_version:
        raise StaleVersion(locked)
    locked.title = (title or "").strip()
    locked.category = category
    locked.full_clean()
    steps = _clean_steps(steps)
    locked.findings = stored(factor_findings(steps, people_index()))
    locked.version += 1
    locked._history_user = actor
    locked.save(update_fields=["title", "category", "findings", "version"])
    locked.steps.all().delete()
    WhyStep.objects.bulk_create(
        WhyStep(factor=locked, position=position, why=why, because=because)
        for position, (why, because) in enumerate(steps, start=1)
    )
    refresh_search_vectors(Coe.objects.filter(pk=locked.coe_id))
    return locked


@transaction.atomic
def factor_delete(*, factor: ContributingFactor, actor: AbstractBaseUser) -> None:
    factor.coe.require_editor(actor)
    factor.delete()
    refresh_search_vectors(Coe.objects.filter(pk=factor.coe_id))


@transaction.atomic
def blameless_acknowledge(
    *, coe: Coe, actor: AbstractBaseUser, fingerprint: str, reason: str
) -> BlamelessAcknowledgement:
    """Keep flagged wording on purpose, saying why; only findings the COE has now qualify."""
    coe.require_editor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this wording should stay."})
    require_at_most(reason, BlamelessAcknowledgement.REASON_MAX, field="reason", what="the reason")
    # What the page shows (stored) or what a check now finds: either may be kept.
    current = (*stored_findings(coe), *coe_findings(coe))
    finding = next((f for f in current if f.fingerprint == fingerprint), None)
    if finding is None:
        raise ValidationError("That wording is no longer in the COE; nothing to acknowledge.")
    acknowledgement, _ = BlamelessAcknowledgement.objects.update_or_create(
        coe=coe,
        fingerprint=fingerprint,
        defaults={"phrase": finding.phrase, "reason": reason, "acknowledged_by": actor},
    )
    return acknowledgement


def coe_submit(*, coe: Coe, actor: AbstractBaseUser) -> Coe:
    """Draft (or changes requested) → in review, refused until every required section is
    complete and every blameless finding is resolved or acknowledged.

    The gate checks every text again with today's people (stored findings date from each
    text's save, and someone named since then must not slip through) and stores what it finds,
    so the refused page lists the same findings. Nothing else changes on refusal.
    """
    with transaction.atomic():
        coe = Coe.objects.for_editor().select_for_update(of=("self",)).get(pk=coe.pk)
        coe.require_editor(actor)  # on the locked row: a stale copy must not submit twice
        findings_refresh([coe])
        missing = coe.missing_sections(CoeTemplateSettings.load(coe.kind))
        findings = unacknowledged_findings(coe)
        if not (missing or findings):
            coe.status = Status.IN_REVIEW
            coe.submitted_at = timezone.now()
            coe._history_user = actor
            coe.save(update_fields=["status", "submitted_at"])
            # A new round: whoever asked for changes reviews again; approvals stand.
            coe.reviewers.filter(state=ReviewerState.CHANGES_REQUESTED).update(
                state=ReviewerState.REQUESTED, decided_at=None
            )
            _ask_for_review(coe, coe.reviewers.filter(state=ReviewerState.REQUESTED), actor)
            return coe
    raise SubmissionRefused(missing, findings)  # after the commit: the refreshed findings stay


@transaction.atomic
def coe_review(*, coe: Coe, actor: AbstractBaseUser, decision: str, comment: str = "") -> Coe:
    """In review → approved, or → changes requested (which needs a comment saying what).

    Reviewers wrote none of it (Coe.is_independent_reviewer): a bar raiser brings a pair of
    eyes the COE has not had.
    An approved COE whose items are all finished closes at once.
    """
    coe = Coe.objects.select_for_update().get(pk=coe.pk)
    coe.require_reviewer(actor)
    if coe.status != Status.IN_REVIEW:
        raise ValidationError(f"This COE is {coe.get_status_display().lower()}, not in review.")
    named = {row.reviewer_id: row for row in coe.reviewers.exclude(state=ReviewerState.REMOVED)}
    if named and actor.pk not in named:
        raise PermissionDenied(NOT_A_NAMED_REVIEWER)
    comment = (comment or "").strip()
    open_threads = coe.threads.filter(resolved_at__isnull=True)
    if decision == ReviewDecision.REQUEST_CHANGES and not (comment or open_threads.exists()):
        raise ValidationError(
            {
                "comment": "Say what should change: write a summary here, or leave it in a "
                "comment on the section."
            }
        )
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": "Approve or request changes."})
    review = CoeReview(coe=coe, reviewer=actor, decision=decision, comment=comment)
    review.full_clean()
    review.save()
    approved = decision == ReviewDecision.APPROVE
    if mine := named.get(actor.pk):
        mine.state = ReviewerState.APPROVED if approved else ReviewerState.CHANGES_REQUESTED
        mine.decided_at = review.created_at
        mine.save(update_fields=["state", "decided_at"])
    if approved and _waiting_for(named.values()):
        # Approved by this reviewer; the COE waits for the others.
        audit_record(AuditAction.COE_APPROVED, actor=actor, target=coe, detail=comment[:200])
        return coe
    coe.status = Status.APPROVED if approved else Status.CHANGES_REQUESTED
    coe._history_user = actor
    coe.save(update_fields=["status"])
    action = AuditAction.COE_APPROVED if approved else AuditAction.COE_CHANGES_REQUESTED
    audit_record(action, actor=actor, target=coe, detail=comment[:200])
    if approved:
        _tell_authors_approved(coe, actor)
        return coe_close_if_done(coe=coe)
    _tell_authors(
        coe,
        actor,
        NotificationKind.CHANGES_REQUESTED,
        key=f"changes:{review.pk}",
        text=f"{display_name(actor)} asks for changes to “{coe.title}”.",
    )
    return coe


NOT_A_NAMED_REVIEWER = (
    "This COE's authors named its reviewers; only they approve or request changes. Ask an "
    "author (or staff) to add you as a reviewer."
)


def _waiting_for(named: Iterable[CoeReviewer]) -> list[CoeReviewer]:
    """Named reviewers who have not approved (the removed ones are not asked)."""
    return [row for row in named if row.state != ReviewerState.APPROVED and row.is_active]


def _tell_authors(coe: Coe, actor: AbstractBaseUser, kind: str, *, key: str, text: str) -> None:
    notify_each(
        coe.authors.all(),
        kind=kind,
        key=f"coe:{coe.pk}:{key}",
        text=text,
        url=coe.get_absolute_url(),
        actor=actor,
    )


def _tell_authors_approved(coe: Coe, actor: AbstractBaseUser) -> None:
    _tell_authors(
        coe, actor, NotificationKind.APPROVED, key="approved", text=f"“{coe.title}” is approved."
    )


def _ask_for_review(coe: Coe, rows: Iterable[CoeReviewer], actor: AbstractBaseUser) -> None:
    """Tell each named reviewer the COE waits for them, once per round of review."""
    round_ = coe.submitted_at.isoformat() if coe.submitted_at else "draft"
    for row in rows:
        notify(
            recipient=row.reviewer,
            kind=NotificationKind.REVIEW_REQUESTED,
            key=f"coe:{coe.pk}:review:{round_}",
            text=f"{display_name(actor)} asks for your review of “{coe.title}”.",
            url=coe.get_absolute_url(),
            actor=actor,
        )


# Named reviewers


REVIEWERS_CLOSED = "This COE is {status}: its reviewers can no longer change."


def reviewer_refusal(coe: Coe, user) -> str:
    """Why `user` may not name or remove this COE's reviewers, or "": its authors and team
    members, and staff, while it is not yet approved."""
    if coe.status in (Status.APPROVED, Status.CLOSED):
        return REVIEWERS_CLOSED.format(status=coe.get_status_display().lower())
    if not (user.is_active and (user.is_staff or coe.is_author_or_team_member(user))):
        return "Only the COE's authors, its team's members and staff name its reviewers."
    return ""


def _require_reviewer_changer(coe: Coe, actor: AbstractBaseUser) -> Coe:
    coe = Coe.objects.select_for_update().get(pk=coe.pk)
    if refusal := reviewer_refusal(coe, actor):
        raise PermissionDenied(refusal)
    return coe


@transaction.atomic
def coe_reviewer_add(
    *, coe: Coe, actor: AbstractBaseUser, reviewer: AbstractBaseUser
) -> CoeReviewer:
    """Name a bar raiser (Coe.is_independent_reviewer); told at once if the COE is in review,
    else when it is submitted."""
    coe = _require_reviewer_changer(coe, actor)
    if not coe.is_independent_reviewer(reviewer):
        raise ValidationError(
            {
                "reviewer": f"{display_name(reviewer)} can't review this COE: a reviewer is an "
                "active person who wrote none of it."
            }
        )
    row, created = CoeReviewer.objects.get_or_create(
        coe=coe, reviewer=reviewer, defaults={"requested_by": actor}
    )
    if not created:
        if row.is_active:
            raise ValidationError({"reviewer": f"{display_name(reviewer)} is already a reviewer."})
        row.state, row.requested_by = ReviewerState.REQUESTED, actor
        row.requested_at, row.decided_at = timezone.now(), None
        row.save()
    if coe.status == Status.IN_REVIEW:
        _ask_for_review(coe, [row], actor)
    return row


@transaction.atomic
def coe_reviewer_remove(*, coe: Coe, actor: AbstractBaseUser, reviewer_id: int) -> CoeReviewer:
    """Take a reviewer off the COE. Its authors take off one who has not decided yet; only
    staff take off one who has (a bar raiser's request for changes is not dodged). A COE in
    review whose other named reviewers all approved is approved then."""
    coe = _require_reviewer_changer(coe, actor)
    row = coe.reviewers.select_for_update().filter(reviewer_id=reviewer_id).first()
    if row is None or not row.is_active:
        raise ValidationError("That person is not a reviewer of this COE.")
    if row.state != ReviewerState.REQUESTED and not actor.is_staff:
        raise PermissionDenied(
            f"{display_name(row.reviewer)} has reviewed this COE already; only staff take a "
            "reviewer off after their decision."
        )
    row.state, row.decided_at = ReviewerState.REMOVED, timezone.now()
    row.save(update_fields=["state", "decided_at"])
    _approve_if_every_reviewer_has(coe, actor)
    return row


@transaction.atomic
def coe_reviewer_reassign(
    *, coe: Coe, actor: AbstractBaseUser, reviewer_id: int, to: AbstractBaseUser
) -> CoeReviewer:
    """Staff hand a reviewer's part to someone else (who is asked at once if it is in review)."""
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied("Only staff reassign a COE's reviewers.")
    if reviewer_id == to.pk:
        raise ValidationError({"to": "Choose someone else to review it."})
    coe_reviewer_remove(coe=coe, actor=actor, reviewer_id=reviewer_id)
    return coe_reviewer_add(coe=coe, actor=actor, reviewer=to)


def _approve_if_every_reviewer_has(coe: Coe, actor: AbstractBaseUser) -> None:
    if coe.status != Status.IN_REVIEW:
        return
    named = list(coe.reviewers.exclude(state=ReviewerState.REMOVED))
    if named and not _waiting_for(named):
        coe.status = Status.APPROVED
        coe._history_user = actor
        coe.save(update_fields=["status"])
        audit_record(AuditAction.COE_APPROVED, actor=actor, target=coe, detail="")
        _tell_authors_approved(coe, actor)
        coe_close_if_done(coe=coe)


# Reactions to action items


def _lock_status(coe: Coe) -> None:
    """Re-read the status under a lock: the caller's copy may predate another item's change."""
    coe.status = (
        Coe.objects.select_for_update(no_key=True).values_list("status", flat=True).get(pk=coe.pk)
    )


@transaction.atomic
def coe_close_if_done(*, coe: Coe) -> Coe:
    """Closed = approved and every action item done or won't-do."""
    _lock_status(coe)
    if coe.status == Status.APPROVED and not coe.action_items.open().exists():
        coe.status = Status.CLOSED
        coe.save(update_fields=["status"])
    return coe


@transaction.atomic
def coe_reopen_if_items_open(*, coe: Coe) -> Coe:
    _lock_status(coe)
    if coe.status == Status.CLOSED and coe.action_items.open().exists():
        coe.status = Status.APPROVED
        coe.save(update_fields=["status"])
    return coe


# Comment threads


MENTION = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
MENTIONS_MAX = 20  # people told of one comment by name; more is noise, not a conversation


def _mentioned(body: str) -> list[AbstractBaseUser]:
    """The active people a comment names as @username (unknown names stay plain text)."""
    names = {name.rstrip(".") for name in MENTION.findall(body)}
    if not names:
        return []
    people = get_user_model().objects.filter(username__in=names, is_active=True)
    return list(people.order_by("username")[:MENTIONS_MAX])


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a comment."})
    require_at_most(body, CoeComment.BODY_MAX, field="body", what="a comment")
    return body


def _add_comment(thread: CoeThread, actor: AbstractBaseUser, body: str) -> CoeComment:
    comment = CoeComment(thread=thread, author=actor, body=body)
    comment.full_clean()
    comment.save()
    coe = thread.coe
    section = thread.get_section_display()
    mentioned = _mentioned(body)
    for person in mentioned:
        notify(
            recipient=person,
            kind=NotificationKind.MENTION,
            key=f"comment:{comment.pk}",
            text=f"{display_name(actor)} mentioned you on {section} of “{coe.title}”.",
            url=thread.get_absolute_url(),
            actor=actor,
        )
    told = {person.pk for person in mentioned}
    in_thread = get_user_model().objects.filter(
        pk__in=CoeComment.objects.filter(thread=thread).values("author_id")
    )
    others = [p for p in [*coe.authors.all(), *in_thread] if p.pk not in told]
    notify_each(
        others,
        kind=NotificationKind.COMMENT,
        key=f"comment:{comment.pk}",
        text=f"{display_name(actor)} commented on {section} of “{coe.title}”.",
        url=thread.get_absolute_url(),
        actor=actor,
    )
    return comment


def _require_commenter(coe: Coe, actor: AbstractBaseUser) -> None:
    if refusal := coe.comment_refusal(actor):
        raise PermissionDenied(refusal)


@transaction.atomic
def coe_thread_start(
    *, coe: Coe, actor: AbstractBaseUser, section: str, body: str, quote: str = ""
) -> CoeThread:
    """A comment on one text of the COE, or on a passage of it (`quote`, kept as written)."""
    _require_commenter(coe, actor)
    if section not in TEXTS:
        raise ValidationError({"section": "Choose a section of the COE to comment on."})
    body = _clean_body(body)
    quote = (quote or "").strip()
    require_at_most(quote, CoeThread.QUOTE_MAX, field="quote", what="the quoted passage")
    text = coe.texts.filter(key=section).first()
    thread = CoeThread.objects.create(
        coe=coe,
        section=section,
        quote=quote,
        text_version=text.version if text else 0,
        started_by=actor,
    )
    _add_comment(thread, actor, body)
    return thread


@transaction.atomic
def coe_thread_reply(*, thread: CoeThread, actor: AbstractBaseUser, body: str) -> CoeComment:
    _require_commenter(thread.coe, actor)
    body = _clean_body(body)
    thread = CoeThread.objects.select_for_update().select_related("coe").get(pk=thread.pk)
    return _add_comment(thread, actor, body)


def thread_resolve_refusal(thread: CoeThread, user) -> str:
    if user.is_active and (
        thread.started_by_id == user.pk
        or any(author.pk == user.pk for author in thread.coe.authors.all())
    ):
        return ""
    return "A thread is resolved or reopened by whoever started it or by the COE's authors."


@transaction.atomic
def coe_thread_resolve(*, thread: CoeThread, actor: AbstractBaseUser, resolved: bool) -> CoeThread:
    """Resolve a thread (resolved=True) or reopen it."""
    thread = CoeThread.objects.select_for_update().select_related("coe").get(pk=thread.pk)
    if refusal := thread_resolve_refusal(thread, actor):
        raise PermissionDenied(refusal)
    if resolved and thread.is_open:
        thread.resolved_at, thread.resolved_by = timezone.now(), actor
    elif not resolved and not thread.is_open:
        thread.resolved_at, thread.resolved_by = None, None
    thread.save(update_fields=["resolved_at", "resolved_by"])
    return thread


# Images

IMAGES_PER_COE = 100  # far more than any COE shows; stops a loop from filling the storage


def coe_image_add(
    *,
    coe: Coe,
    actor: AbstractBaseUser,
    upload: UploadedFile | None,
    section: str,
    caption: str = "",
) -> CoeImage:
    """Attach an image to a section: checked and re-encoded (coe.images) before anything is
    stored; the files are removed again if the row can't be saved."""
    coe.require_editor(actor)
    if section not in TEXTS:
        raise ValidationError({"section": "Choose the section the image belongs to."})
    caption = " ".join((caption or "").split())
    require_at_most(caption, CoeImage.CAPTION_MAX, field="caption", what="a caption")
    checked = check_image(upload)
    image = CoeImage(
        coe=coe,
        section=section,
        caption=caption,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size=len(checked.content),
        uploaded_by=actor,
    )
    with transaction.atomic():
        locked = Coe.objects.select_for_update().only("pk").get(pk=coe.pk)
        if locked.images.count() >= IMAGES_PER_COE:
            raise ValidationError(
                f"A COE can hold at most {IMAGES_PER_COE} images; remove one it no longer shows."
            )
        image.file.save(f"image{checked.suffix}", ContentFile(checked.content), save=False)
        image.thumbnail.save("thumbnail.webp", ContentFile(checked.thumbnail), save=False)
        try:
            image.save()
        except BaseException:
            _delete_files(image.file.name, image.thumbnail.name)
            raise
    return image


@transaction.atomic
def coe_image_delete(*, image: CoeImage, actor: AbstractBaseUser) -> None:
    """Remove an image and, once that is committed, its files. Sections that still show it
    show its caption instead (the link no longer finds it)."""
    image.coe.require_editor(actor)
    names = (image.file.name, image.thumbnail.name)
    image.delete()
    transaction.on_commit(lambda: _delete_files(*names))


def _delete_files(*names: str) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
