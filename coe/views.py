import difflib
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    TextField,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event
from storages.backends.s3 import S3Storage

from incidents.models import Incident
from opsreview.actions import services as item_services
from opsreview.actions.forms import ActionItemForm
from opsreview.actions.models import ADD_REFUSED, ActionItem
from opsreview.org import live
from opsreview.org.audit import audit_record
from opsreview.org.images import size_label
from opsreview.org.models import AuditAction, Team
from opsreview.org.people import display_name
from opsreview.org.rendering import render_markdown
from opsreview.org.stored_markdown import MARKDOWN_MAX_CHARS

from . import forms, search, selectors, services, similar
from .export import coe_markdown, coe_markdown_filename
from .findings import section_label, stored_findings, unacknowledged_findings
from .models import (
    SECTIONS,
    SECTIONS_BY_KEY,
    TEXTS,
    Coe,
    CoeComment,
    CoeImage,
    CoeTemplateSettings,
    CoeText,
    CoeThread,
    CoeTimelineEntry,
    ContributingFactor,
    Status,
)

PAGE_SIZE = 25
logger = logging.getLogger(__name__)
EDITOR = "coe/coe_detail.html"
UNPROCESSABLE = 422
CONFLICT = 409
CHANGED = "coe-changed"
QUESTION_TEXTS = SECTIONS_BY_KEY[
    "questions"
].texts  # the client event that makes the checklist refresh itself


def _get_coe(request: HttpRequest, pk: int) -> Coe:
    """The COE, to someone who may read it (a draft is not there for anyone else)."""
    coe = get_object_or_404(Coe.objects.for_editor(viewer=request.user), pk=pk)
    if coe.read_refusal(request.user):
        raise Http404("No such COE.")
    return coe


def _get_readable(request: HttpRequest, pk: int) -> Coe:
    """As _get_coe, for a page that needs only the COE and its team."""
    coe = get_object_or_404(
        Coe.objects.select_related("team").prefetch_related("authors", "reviewers"), pk=pk
    )
    if coe.read_refusal(request.user):
        raise Http404("No such COE.")
    return coe


def _get_coe_for_edit(request: HttpRequest, pk: int) -> Coe:
    coe = _get_coe(request, pk)
    coe.require_editor(request.user)
    return coe


# Lists and creation


SEARCH_PAGES = search.RANKED_MATCHES // PAGE_SIZE
COUNTED_MATCHES = 100  # beyond this a search says "more than 100 matches", never counts on
PAGING_PARAMS = ("page", "before", "after")
BAD_POSITION = "That page link is not one this list made; here are the newest COEs."


def coe_list(request: HttpRequest) -> HttpResponse:
    filters = forms.CoeFilterForm(request.GET or None)
    query = request.GET.copy()
    for name in PAGING_PARAMS:
        query.pop(name, None)
    context = {"filters": filters, "query": query.urlencode(), "rows": []}
    if filters.is_bound and not filters.is_valid():
        return render(request, "coe/coe_list.html", context, status=400)
    criteria = {k: v for k, v in filters.cleaned_data.items() if v} if filters.is_bound else {}
    coes = selectors.coe_list(viewer=request.user, **criteria)
    if criteria.get("q", "").strip():
        context.update(_search_page(request, coes, criteria))
    else:
        context.update(_newest_first_page(request, coes))
    for coe in context["rows"] + context.get("drafts", []):
        coe.is_my_draft = coe.status == Status.DRAFT and request.user in coe.authors.all()
    return render(request, "coe/coe_list.html", context)


def _newest_first_page(request: HttpRequest, coes) -> dict:
    """The unsearched list, page by page from a position (keyset), the person's drafts first."""
    context = {}
    try:
        positions = {
            name: selectors.Cursor.parse(request.GET[name])
            for name in ("before", "after")
            if request.GET.get(name)
        }
    except ValueError:
        positions, context["position_error"] = {}, BAD_POSITION
    page = selectors.newest_first_page(coes, size=PAGE_SIZE, **positions)
    drafts = [] if page.newer else selectors.coe_drafts_of(request.user, coes)
    prefetch_related_objects([*page.rows, *drafts], "authors")
    return context | {
        "rows": page.rows,
        "drafts": drafts,
        "newer": f"after={page.newer}" if page.newer else "",
        "older": f"before={page.older}" if page.older else "",
    }


def _search_page(request: HttpRequest, coes, criteria: dict) -> dict:
    """Ranked matches, a page at a time by number (at most SEARCH_PAGES), with snippets."""
    page = request.GET.get("page", "")
    number = min(int(page), SEARCH_PAGES) if page.isdecimal() and 0 < len(page) < 4 else 1
    number = max(number, 1)
    rows = list(coes[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE and number < SEARCH_PAGES
    rows = rows[:PAGE_SIZE]
    prefetch_related_objects(rows, "authors")
    snippets = search.snippets(rows, criteria["q"].strip())
    for coe in rows:
        coe.snippet = snippets.get(coe.pk, "")
    if rows:  # the ranking query counted the matches too
        matches = rows[0].found_total
    else:  # a page past the last: count them
        matches = selectors.coe_count_up_to(COUNTED_MATCHES + 1, viewer=request.user, **criteria)
    return {
        "rows": rows,
        "searching": True,
        "ranked": search.uses_full_text(),
        "matches": min(matches, COUNTED_MATCHES),
        "more_matches": matches > COUNTED_MATCHES,
        "page_number": number,
        "newer": f"page={number - 1}" if number > 1 else "",
        "older": f"page={number + 1}" if has_next else "",
    }


def _initial_for_new(request: HttpRequest) -> dict:
    initial = {"team": request.user.teams.order_by("name").first()}
    incident_id = request.GET.get("incident", "")
    incident = Incident.objects.filter(pk=incident_id).first() if incident_id.isdecimal() else None
    if incident is not None:
        initial.update(incident=incident, title=incident.title)
        initial["team"] = incident.teams.order_by("name").first() or initial["team"]
    return initial


def coe_new(request: HttpRequest) -> HttpResponse:
    form = forms.CoeCreateForm(request.POST or None, initial=_initial_for_new(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            coe = services.coe_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as denied:
            form.add_error("incident", str(denied))
            audit_record(AuditAction.PERMISSION_DENIED, detail=f"POST {request.path}: {denied}")
            status = 403
        else:
            messages.success(
                request, "Draft started. The checklist on the right says what is missing."
            )
            return redirect(coe)
    if form.errors and status == 200:
        status = UNPROCESSABLE
    return render(request, "coe/coe_new.html", {"form": form}, status=status)


# The editor


def _text_form(coe: Coe, key: str, data=None):
    text = coe.text(key)
    form_class = forms.ImpactForm if key == "impact" else forms.TextForm
    initial = {"body": text.body, "version": text.version}
    if key == "impact":
        initial.update(
            impact_duration_minutes=coe.impact_duration_minutes,
            customers_affected=coe.customers_affected,
            requests_affected=coe.requests_affected,
        )
    return form_class(data, prefix=key, initial=initial)


def _text_part(coe: Coe, key: str, form=None, conflict=None) -> dict:
    text = coe.text(key)
    return {
        "key": key,
        "text": text,
        "label": TEXTS[key][0],
        "prompt": TEXTS[key][1],
        "form": form or _text_form(coe, key),
        "html": text.body_html,
        "conflict": conflict,
        "subheading": key in QUESTION_TEXTS,
    }


def _factor_form(factor: ContributingFactor, template: CoeTemplateSettings, data=None):
    steps = list(factor.steps.all())
    initial = {"title": factor.title, "category": factor.category, "version": factor.version}
    for step in steps:
        initial[f"why_{step.position}"] = step.why
        initial[f"because_{step.position}"] = step.because
    rows = max(len(steps) + 1, template.min_why_depth)
    return forms.FactorForm(data, prefix=f"factor{factor.pk}", initial=initial, rows=rows)


def _factor_part(factor, template, form=None, conflict=None) -> dict:
    return {"factor": factor, "form": form or _factor_form(factor, template), "conflict": conflict}


def _checklist(coe: Coe, template: CoeTemplateSettings) -> list[dict]:
    missing = coe.missing_sections(template)
    required = set(template.required_sections())
    return [
        {
            "section": section,
            "required": section.key in required,
            "missing": missing.get(section.key, []),
        }
        for section in SECTIONS
    ]


def _findings(coe: Coe) -> list[dict]:
    acknowledged = {ack.fingerprint: ack for ack in coe.acknowledgements.all()}
    return [
        {
            "finding": finding,
            "section": section_label(finding.section),
            "acknowledgement": acknowledged.get(finding.fingerprint),
            "form": forms.AcknowledgeForm(initial={"fingerprint": finding.fingerprint}),
        }
        for finding in stored_findings(coe)
    ]


ITEMS_PER_PAGE = 10  # most COEs have fewer; a big one pages through them


def _items_page(request: HttpRequest, coe: Coe):
    """One page of the COE's action items, however many it has; for_editor() counted them."""
    user = request.user
    in_team = Team.members.through.objects.filter(team=OuterRef("team_id"), user=user.pk)
    items = coe.action_items.select_related("owner", "team").annotate(in_team=Exists(in_team))
    paginator = Paginator(items, ITEMS_PER_PAGE)
    paginator.count = coe.item_count_of("all")  # known already: no COUNT query
    page = paginator.get_page(request.GET.get("items_page"))
    page.object_list = list(page.object_list)
    team_ids = {item.team_id for item in page.object_list if item.in_team}
    authored = {coe.pk} if any(a.pk == user.pk for a in coe.authors.all()) else set()
    for item in page.object_list:
        item.can_change = item.can_be_changed_by(user, team_ids=team_ids, authored_coe_ids=authored)
    return page


def _can_review(coe: Coe, user) -> bool:
    """In review, to a bar raiser; once the authors named reviewers, to those only."""
    if coe.status != Status.IN_REVIEW or not coe.is_independent_reviewer(user):
        return False
    named = [row.reviewer_id for row in coe.reviewers.all() if row.is_active]
    return not named or user.pk in named


def _editor_context(
    request: HttpRequest, coe: Coe, *, parts=None, factor_parts=None, bound_reply=None, **extra
):
    template = coe.template_settings()
    parts = parts or {}
    factor_parts = factor_parts or {}
    findings = _findings(coe)
    items = _items_page(request, coe)
    reviewers = [row for row in coe.reviewers.all() if row.is_active]
    if request.user.is_staff:
        for row in reviewers:
            row.reassign_form = forms.ReassignForm(prefix=f"reassign-{row.reviewer_id}")
    context = {
        "coe": coe,
        "can_edit": coe.can_be_edited_by(request.user),
        "template_settings": template,
        "sections": SECTIONS,
        "parts": {key: parts.get(key) or _text_part(coe, key) for key in TEXTS},
        "factor_parts": [
            factor_parts.get(factor.pk) or _factor_part(factor, template)
            for factor in coe.factors.all()
        ],
        "timeline_form": forms.CoeTimelineEntryForm(),
        "title_form": forms.TitleForm(initial={"title": coe.title}),
        "checklist": _checklist(coe, template),
        "items": items.object_list,
        "items_page": items,
        "can_add_items": ActionItem.can_be_added_by(request.user, coe=coe),
        "item_form": ActionItemForm(
            initial={"team": coe.team, "owner": request.user}, prefix="item"
        ),
        "findings": findings,
        "open_findings": sum(1 for item in findings if not item["acknowledgement"]),
        "can_review": _can_review(coe, request.user),
        "can_comment": not coe.comment_refusal(request.user),
        "my_last_review": next(
            (r for r in reversed(coe.reviews.all()) if r.reviewer_id == request.user.pk), None
        ),
        "threads_by_section": _threads_by_section(coe, request.user, bound=bound_reply),
        "thread_form": forms.ThreadForm(),
        "image_max_bytes": settings.IMAGE_MAX_BYTES,
        "image_max_size": size_label(settings.IMAGE_MAX_BYTES),
        "image_caption_max": CoeImage.CAPTION_MAX,
        "thread_section": "",
        "review_form": forms.ReviewForm(),
        "reviewers": reviewers,
        "can_name_reviewers": not services.reviewer_refusal(coe, request.user),
        "reviewer_form": forms.ReviewerForm(),
        "review_under_way": coe.status in selectors.REVIEW_UNDER_WAY,
        "review_token": selectors.review_token(coe),
        "live_seconds": settings.LIVE_POLL_SECONDS,
        "live": False,
    }
    return {**context, **extra}


def _render_editor(
    request: HttpRequest, coe: Coe, *, status: int = 200, **overrides
) -> HttpResponse:
    return render(request, EDITOR, _editor_context(request, coe, **overrides), status=status)


def _changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, CHANGED)


@require_GET
def coe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    extra = {}
    if request.GET.get("submit") == "refused" and coe.can_be_edited_by(request.user):
        # Back from a refused submit: why, as the gate saw it (it stored what it found).
        missing = coe.missing_sections(coe.template_settings())
        findings = unacknowledged_findings(coe)
        if missing or findings:
            extra["refusal"] = services.SubmissionRefused(missing, findings)
    return _render_editor(request, coe, **extra)


@require_GET
def coe_checklist(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    return render(request, f"{EDITOR}#checklist", _editor_context(request, coe))


@live.polled
@require_GET
def coe_live(request: HttpRequest, pk: int) -> HttpResponse:
    """A COE under review, polled: 204 while its status, reviews and reviewers are as the page
    shows them (one query), or those parts anew, swapped in by their ids."""
    found = selectors.review_token_now(pk)
    gone = "This COE no longer exists, or you can no longer read it: reload the page."
    if found is None:
        return live.notice(gone, status=404)
    token, coe = found
    # A draft is read by its authors, its team and its reviewers: asked again on every poll.
    if coe.status == Status.DRAFT and _get_readable_or_none(request, pk) is None:
        return live.notice(gone, status=404)
    if request.GET.get("v") == token:
        return live.unchanged()
    coe = get_object_or_404(Coe.objects.for_editor(viewer=request.user), pk=pk)
    response = render(request, "coe/coe_live.html", _editor_context(request, coe, live=True))
    add_never_cache_headers(response)
    return response


def _get_readable_or_none(request: HttpRequest, pk: int) -> Coe | None:
    try:
        return _get_readable(request, pk)
    except Http404:
        return None


@require_GET
def coe_similar(request: HttpRequest, pk: int) -> HttpResponse:
    """Similar past COEs: the COE page loads them after it is shown (htmx), so ranking them
    never holds up the page; without JavaScript the page links here."""
    coe = get_object_or_404(
        Coe.objects.select_related("team").prefetch_related(
            "authors",
            "reviewers",
            "texts",
            Prefetch("factors", queryset=ContributingFactor.objects.prefetch_related("steps")),
        ),
        pk=pk,
    )
    if coe.read_refusal(request.user):
        raise Http404("No such COE.")
    context = {"coe": coe, "similar_coes": similar.similar_coes(coe, request.user)}
    template = "coe/similar.html" if request.htmx else "coe/similar_page.html"
    return render(request, template, context)


@require_POST
def coe_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Live preview of markdown as it will be shown: rendered and sanitised, nothing saved."""
    _get_coe_for_edit(request, pk)
    body = next((value for name, value in request.POST.items() if name.endswith("body")), "")
    if len(body) > MARKDOWN_MAX_CHARS:
        message = (
            f"Too long to preview: a section can hold at most {MARKDOWN_MAX_CHARS:,} characters."
        )
        return HttpResponse(
            format_html('<p class="field-error">{}</p>', message), status=UNPROCESSABLE
        )
    return HttpResponse(render_markdown(body))


@require_POST
def coe_title_save(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    form = forms.TitleForm(request.POST)
    if form.is_valid():
        try:
            services.coe_update_title(coe=coe, actor=request.user, title=form.cleaned_data["title"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Title saved.")
            return redirect(coe)
    return _render_editor(request, coe, status=UNPROCESSABLE, title_form=form)


def _save_text(request: HttpRequest, coe: Coe, key: str, form) -> None:
    data = form.cleaned_data
    common = {
        "coe": coe,
        "actor": request.user,
        "body": data["body"],
        "base_version": data["version"],
    }
    if key == "impact":
        services.coe_impact_save(
            **common,
            impact_duration_minutes=data["impact_duration_minutes"],
            customers_affected=data["customers_affected"],
            requests_affected=data["requests_affected"],
        )
    else:
        services.coe_text_save(key=key, **common)


@require_POST
def coe_text_save(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """Autosave (htmx) or the Save button (plain form) of one markdown part."""
    coe = _get_coe_for_edit(request, pk)
    if key not in TEXTS:
        raise Http404(f"A COE has no section called {key!r}.")
    form = _text_form(coe, key, request.POST)
    if not form.is_valid():
        return _text_refused(request, coe, key, form, status=UNPROCESSABLE)
    try:
        _save_text(request, coe, key, form)
    except services.StaleVersion as stale:
        conflict = {"mine": form.cleaned_data["body"], "theirs": stale.current}
        return _text_refused(request, coe, key, form, status=CONFLICT, conflict=conflict)
    except ValidationError as error:
        form.add_error(None, error)
        return _text_refused(request, coe, key, form, status=UNPROCESSABLE)
    coe = _get_coe(request, pk)
    if not request.htmx:
        messages.success(request, f"Saved {TEXTS[key][0].lower()}.")
        return redirect(f"{coe.get_absolute_url()}#part-{key}")
    return _changed(render(request, f"{EDITOR}#saved", {"text": coe.text(key)}))


def _text_refused(request, coe, key, form, *, status, conflict=None) -> HttpResponse:
    if request.htmx and conflict:
        theirs = conflict["theirs"]
        if request.POST.get(f"{key}-conflict-seen") == str(theirs.version):
            # Already on screen: keep the notice (and the button being clicked) where it is.
            return reswap(HttpResponse(status=status), "none")
        # The writer's text stays in their box; only the notice with the other text goes in.
        response = render(request, f"{EDITOR}#conflict", {"theirs": theirs}, status=status)
        return reswap(retarget(response, f"#conflict-{key}"), "innerHTML")
    if conflict:
        # The form now carries the writer's text on top of the version saved meanwhile.
        data = request.POST.copy()
        data[f"{key}-version"] = conflict["theirs"].version
        form = _text_form(coe, key, data)
        form.is_valid()
    part = _text_part(coe, key, form=form, conflict=conflict)
    if not request.htmx:
        return _render_editor(request, coe, status=status, parts={key: part})
    context = {"part": part, "coe": coe, "can_edit": True}
    response = render(request, f"{EDITOR}#text-part", context, status=status)
    return reswap(retarget(response, f"#part-{key}"), "outerHTML")


# Timeline


def _timeline_response(request: HttpRequest, coe: Coe, *, form=None, status: int = 200):
    if not request.htmx and status == 200:
        return redirect(f"{coe.get_absolute_url()}#section-timeline")
    coe = _get_coe(request, coe.pk)
    overrides = {"timeline_form": form} if form is not None else {}
    if not request.htmx:
        return _render_editor(request, coe, status=status, **overrides)
    context = _editor_context(request, coe, **overrides)
    return _changed(render(request, f"{EDITOR}#timeline", context, status=status))


@require_POST
def coe_timeline_add(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    form = forms.CoeTimelineEntryForm(request.POST)
    if form.is_valid():
        try:
            services.coe_timeline_entry_add(coe=coe, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _timeline_response(request, coe)
    return _timeline_response(request, coe, form=form, status=UNPROCESSABLE)


@require_POST
def coe_timeline_delete(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    entry = get_object_or_404(CoeTimelineEntry, pk=entry_pk, coe=coe)
    services.coe_timeline_entry_delete(entry=entry, actor=request.user)
    return _timeline_response(request, coe)


@require_POST
def coe_timeline_copy(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    copied = services.coe_timeline_copy_from_incident(coe=coe, actor=request.user)
    if not request.htmx:
        messages.success(
            request, f"Copied {copied} entr{'y' if copied == 1 else 'ies'} from the incident."
        )
    return _timeline_response(request, coe)


# Five whys


def _whys_response(request: HttpRequest, coe: Coe, *, status: int = 200, factor_parts=None):
    if not request.htmx and status == 200:
        return redirect(f"{coe.get_absolute_url()}#section-five_whys")
    coe = _get_coe(request, coe.pk)
    if not request.htmx:
        return _render_editor(request, coe, status=status, factor_parts=factor_parts)
    context = _editor_context(request, coe, factor_parts=factor_parts)
    return _changed(render(request, f"{EDITOR}#five-whys", context, status=status))


@require_POST
def coe_factor_add(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    services.factor_add(coe=coe, actor=request.user)
    return _whys_response(request, coe)


def _get_factor(coe: Coe, factor_pk: int) -> ContributingFactor:
    return get_object_or_404(ContributingFactor, pk=factor_pk, coe=coe)


@require_POST
def coe_factor_save(request: HttpRequest, pk: int, factor_pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    factor = _get_factor(coe, factor_pk)
    template = coe.template_settings()
    form = _factor_form(factor, template, request.POST)
    autosave = bool(request.htmx and request.POST.get("autosave"))
    if form.is_valid():
        try:
            saved = services.factor_save(
                factor=factor,
                actor=request.user,
                base_version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                category=form.cleaned_data["category"],
                steps=form.steps(),
            )
        except services.StaleVersion as stale:
            if autosave:
                return _factor_not_saved(factor, CONFLICT, FACTOR_SAVED_MEANWHILE)
            data = request.POST.copy()
            data[f"factor{factor.pk}-version"] = stale.current.version
            form = _factor_form(factor, template, data)
            form.is_valid()
            part = _factor_part(stale.current, template, form=form, conflict=stale.current)
            return _whys_response(request, coe, status=CONFLICT, factor_parts={factor.pk: part})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if autosave:
                context = {
                    "key": f"factor{factor.pk}",
                    "when": timezone.now(),
                    "version": saved.version,
                }
                return _changed(render(request, "includes/saved_status.html", context))
            return _whys_response(request, coe)
    if autosave:
        errors = " ".join(e for errors in form.errors.values() for e in errors)
        return _factor_not_saved(factor, UNPROCESSABLE, f"Not saved: {errors}")
    part = _factor_part(factor, template, form=form)
    return _whys_response(request, coe, status=UNPROCESSABLE, factor_parts={factor.pk: part})


FACTOR_SAVED_MEANWHILE = (
    "Not saved: someone saved this factor meanwhile. Press Save factor to see both versions."
)


def _factor_not_saved(factor: ContributingFactor, status: int, why: str) -> HttpResponse:
    """An autosave refused: the status line says why; the writer's text stays in the boxes."""
    line = format_html(
        '<p id="status-factor{}" class="save-status save-failed" aria-live="polite" '
        'hx-swap-oob="true">{}</p>',
        factor.pk,
        why,
    )
    return reswap(HttpResponse(line, status=status), "none")


@require_POST
def coe_factor_delete(request: HttpRequest, pk: int, factor_pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    services.factor_delete(factor=_get_factor(coe, factor_pk), actor=request.user)
    return _whys_response(request, coe)


# Blameless findings and submission


@require_POST
def coe_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    form = forms.AcknowledgeForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.blameless_acknowledge(coe=coe, actor=request.user, **form.cleaned_data)
        except ValidationError as refused:
            error = " ".join(refused.messages)
    elif form.has_error("reason", "max_length"):
        error = " ".join(form.errors["reason"])
    else:
        error = "Say why this wording should stay."
    status = UNPROCESSABLE if error else 200
    if not request.htmx:
        if error:
            messages.error(request, error)
            return _render_editor(request, _get_coe(request, pk), status=status)
        return redirect(f"{coe.get_absolute_url()}#checklist")
    context = _editor_context(request, _get_coe(request, pk), acknowledge_error=error)
    return render(request, f"{EDITOR}#checklist", context, status=status)


@require_POST
def coe_submit(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    try:
        services.coe_submit(coe=coe, actor=request.user)
    except services.SubmissionRefused:
        # Back to the COE's own page, which says why (the gate stored the findings it saw).
        return redirect(f"{coe.get_absolute_url()}?submit=refused#checklist")
    messages.success(request, "Submitted for review.")
    return redirect(coe)


HISTORY_PAGE_SIZE = 50


def _text_changes(coe: Coe):
    """Every saved version of every section that changed its text, newest first, each with
    the text before it: a page of them costs the same however long the history is."""
    history = CoeText.history.filter(coe_id=coe.pk)
    earlier = history.filter(key=OuterRef("key")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    before = earlier.order_by("-history_date", "-history_id").values("body")[:1]
    return (
        history.select_related("history_user")
        .annotate(before=Coalesce(Subquery(before), Value(""), output_field=TextField()))
        .exclude(body=F("before"))
        .order_by("-history_date", "-history_id")
    )


def _diff(record) -> dict:
    diff = difflib.unified_diff(
        record.before.splitlines(), record.body.splitlines(), lineterm="", n=1
    )
    return {"record": record, "label": TEXTS[record.key][0], "lines": list(diff)[2:]}


@require_GET
def coe_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Who changed which section when, and what: each save as a diff, a page at a time."""
    coe = _get_readable(request, pk)
    page = Paginator(_text_changes(coe), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    changes = [_diff(record) for record in page.object_list]
    return render(request, "coe/coe_history.html", {"coe": coe, "changes": changes, "page": page})


@require_GET
def coe_export_markdown(request: HttpRequest, pk: int) -> HttpResponse:
    """The COE as a Markdown file to keep or share, its links absolute so they work anywhere;
    to those who may read it (a draft is not there for anyone else)."""
    coe = _get_coe(request, pk)
    document = coe_markdown(coe, absolute_url=request.build_absolute_uri)
    response = HttpResponse(document, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{coe_markdown_filename(coe)}"'
    patch_cache_control(response, private=True)
    return response


def _changes_since(coe: Coe, moment) -> list[dict]:
    """Each text that changed after `moment`: as it stood then (its last save before) against
    now, in one query however long the history."""
    then = CoeText.history.filter(
        coe_id=coe.pk, key=OuterRef("key"), history_date__lte=moment
    ).order_by("-history_date", "-history_id")
    texts = coe.texts.annotate(
        body_then=Coalesce(Subquery(then.values("body")[:1]), Value(""), output_field=TextField()),
        version_then=Coalesce(Subquery(then.values("version")[:1]), Value(0)),
    ).order_by("pk")
    changes = []
    for text in texts:
        if text.body != text.body_then:
            diff = difflib.unified_diff(
                text.body_then.splitlines(), text.body.splitlines(), lineterm="", n=1
            )
            changes.append(
                {
                    "key": text.key,
                    "label": TEXTS[text.key][0],
                    "lines": list(diff)[2:],
                    "version_then": text.version_then,
                    "version_now": text.version,
                }
            )
    order = list(TEXTS)  # the document's order
    return sorted(changes, key=lambda change: order.index(change["key"]))


@require_GET
def coe_since_review(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed in each section since the viewer's last review of the COE."""
    coe = _get_readable(request, pk)
    review = coe.reviews.filter(reviewer=request.user).order_by("-created_at", "-pk").first()
    changes = _changes_since(coe, review.created_at) if review else []
    context = {"coe": coe, "review": review, "changes": changes}
    return render(request, "coe/coe_since_review.html", context)


@require_POST
def coe_review(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    # Refused before the form: the page shows the review form only to those who may use it.
    coe.require_reviewer(request.user)
    if coe.status != Status.IN_REVIEW:
        messages.error(request, f"This COE is {coe.get_status_display().lower()}, not in review.")
        return _render_editor(request, coe, status=UNPROCESSABLE)
    form = forms.ReviewForm(request.POST)
    if form.is_valid():
        try:
            coe = services.coe_review(coe=coe, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Review recorded: the COE is {coe.get_status_display().lower()}."
            )
            return redirect(coe)
    return _render_editor(request, _get_coe(request, pk), status=UNPROCESSABLE, review_form=form)


# Named reviewers


def _reviewers_done(request: HttpRequest, coe: Coe, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{coe.get_absolute_url()}#reviewers")


def _reviewers_refused(request: HttpRequest, pk: int, **forms_with_errors) -> HttpResponse:
    coe = _get_coe(request, pk)
    return _render_editor(request, coe, status=UNPROCESSABLE, **forms_with_errors)


@require_POST
def coe_reviewer_add(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    if refusal := services.reviewer_refusal(coe, request.user):
        raise PermissionDenied(refusal)
    form = forms.ReviewerForm(request.POST)
    if form.is_valid():
        reviewer = form.cleaned_data["reviewer"]
        try:
            services.coe_reviewer_add(coe=coe, actor=request.user, reviewer=reviewer)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _reviewers_done(request, coe, f"Asked {display_name(reviewer)} to review it.")
    return _reviewers_refused(request, pk, reviewer_form=form)


@require_POST
def coe_reviewer_remove(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    if refusal := services.reviewer_refusal(coe, request.user):
        raise PermissionDenied(refusal)
    try:
        row = services.coe_reviewer_remove(coe=coe, actor=request.user, reviewer_id=user_pk)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _reviewers_refused(request, pk)
    return _reviewers_done(request, coe, f"{display_name(row.reviewer)} no longer reviews it.")


@require_POST
def coe_reviewer_reassign(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    if not request.user.is_staff:
        raise PermissionDenied("Only staff reassign a COE's reviewers.")
    form = forms.ReassignForm(request.POST, prefix=f"reassign-{user_pk}")
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.coe_reviewer_reassign(coe=coe, actor=request.user, reviewer_id=user_pk, to=to)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return _reviewers_done(request, coe, f"Reassigned to {display_name(to)}.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _reviewers_refused(request, pk)


# Comment threads


def _threads_by_section(coe: Coe, user, *, bound=None) -> dict[str, list]:
    """Each text's threads with their comments, from one query of the comments (every thread
    starts with one); `bound` is a reply form with errors to show on its thread."""
    comments = (
        CoeComment.objects.filter(thread__coe=coe)
        .select_related("author", "thread__started_by", "thread__resolved_by")
        .order_by("thread__created_at", "thread_id", "created_at", "pk")
    )
    threads, by_section = {}, {key: [] for key in TEXTS}
    for comment in comments:
        thread = threads.get(comment.thread_id)
        if thread is None:
            thread = threads[comment.thread_id] = comment.thread
            thread.coe = coe
            thread.shown_comments = []
            thread.text_changed = coe.text(thread.section).version != thread.text_version
            thread.can_resolve = not services.thread_resolve_refusal(thread, user)
            thread.reply_form = (
                bound["form"]
                if bound and bound["thread"] == thread.pk
                else forms.ReplyForm(prefix=f"reply-{thread.pk}")
            )
            by_section[thread.section].append(thread)
        thread.shown_comments.append(comment)
    return by_section


def _thread_done(request: HttpRequest, thread: CoeThread, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(thread.get_absolute_url())


def _get_thread(coe: Coe, thread_pk: int) -> CoeThread:
    thread = get_object_or_404(CoeThread, pk=thread_pk, coe=coe)
    thread.coe = coe
    return thread


def _require_commenter(request: HttpRequest, coe: Coe) -> None:
    if refusal := coe.comment_refusal(request.user):
        raise PermissionDenied(refusal)


@require_POST
def coe_thread_start(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    _require_commenter(request, coe)
    form = forms.ThreadForm(request.POST)
    if form.is_valid():
        try:
            thread = services.coe_thread_start(coe=coe, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _thread_done(request, thread, "Comment posted.")
    section = form.data.get("section", "")
    if section not in TEXTS:  # no section's form to show the errors in
        messages.error(request, "Choose a section of the COE to comment on.")
    return _render_editor(
        request,
        _get_coe(request, pk),
        status=UNPROCESSABLE,
        thread_form=form,
        thread_section=section,
    )


@require_POST
def coe_thread_reply(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    _require_commenter(request, coe)
    thread = _get_thread(coe, thread_pk)
    form = forms.ReplyForm(request.POST, prefix=f"reply-{thread.pk}")
    if form.is_valid():
        try:
            services.coe_thread_reply(thread=thread, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _thread_done(request, thread, "Reply posted.")
    coe = _get_coe(request, pk)
    bound = {"thread": thread.pk, "form": form}
    return _render_editor(request, coe, status=UNPROCESSABLE, bound_reply=bound)


def _resolve_view(resolved: bool, done: str):
    @require_POST
    def view(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
        coe = _get_coe(request, pk)
        thread = _get_thread(coe, thread_pk)
        thread = services.coe_thread_resolve(thread=thread, actor=request.user, resolved=resolved)
        return _thread_done(request, thread, done)

    return view


coe_thread_resolve = _resolve_view(True, "Thread resolved.")
coe_thread_reopen = _resolve_view(False, "Thread reopened.")


@require_POST
def coe_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    coe = _get_coe(request, pk)
    # Refused before the form: the page shows the item form only to those who may use it.
    if not ActionItem.can_be_added_by(request.user, coe=coe):
        raise PermissionDenied(ADD_REFUSED)
    form = ActionItemForm(request.POST, prefix="item")
    if form.is_valid():
        try:
            item_services.action_item_create(actor=request.user, coe=coe, **form.item_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if not request.htmx:
                messages.success(request, "Action item added.")
                return redirect(f"{coe.get_absolute_url()}#section-corrective_actions")
            form = None
    status = UNPROCESSABLE if form is not None else 200
    coe = _get_coe(request, pk)
    overrides = {"item_form": form} if form is not None else {}
    if not request.htmx:
        return _render_editor(request, coe, status=status, **overrides)
    context = _editor_context(request, coe, **overrides)
    return _changed(render(request, f"{EDITOR}#corrective-actions", context, status=status))


# Images


def _image_of(request: HttpRequest, pk: int, image_pk: int) -> CoeImage:
    """The image, to someone who may read its COE; to anyone else it does not exist."""
    image = get_object_or_404(CoeImage.objects.select_related("coe__team"), pk=image_pk, coe=pk)
    if image.coe.read_refusal(request.user):
        raise Http404("No such image.")
    return image


def _serve(image: CoeImage, stored) -> HttpResponse:
    """Locally, the file itself; on S3, a redirect to a pre-signed URL that soon expires (the
    browser keeps the redirect a little less long, so it never follows a dead one)."""
    seconds = settings.IMAGE_URL_SECONDS
    if isinstance(stored.storage, S3Storage):
        url = stored.storage.url(stored.name, expire=seconds)
        response = redirect(url)
        patch_cache_control(response, private=True, max_age=max(seconds - 60, 0))
        return response
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("That image's file is missing.") from None
    content_type = image.content_type if stored.name == image.file.name else "image/webp"
    response = FileResponse(handle, content_type=content_type)
    patch_cache_control(response, private=True, max_age=3600)
    return response


@require_GET
def coe_image(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    image = _image_of(request, pk, image_pk)
    return _serve(image, image.file)


@require_GET
def coe_image_thumbnail(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    image = _image_of(request, pk, image_pk)
    return _serve(image, image.thumbnail)


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
def coe_image_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """An image for a section: by the editor's script (JSON: the markdown to insert) or by the
    plain form (back to the section, the markdown to paste shown)."""
    coe = _get_coe_for_edit(request, pk)
    section = request.POST.get("section", "")
    try:
        image = services.coe_image_add(
            coe=coe,
            actor=request.user,
            upload=request.FILES.get("image"),
            section=section,
            caption=request.POST.get("caption", ""),
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if _wants_json(request):
            return JsonResponse({"error": message}, status=UNPROCESSABLE)
        shown_at = section if section in TEXTS else "metrics"  # the form the error belongs to
        image_error = {"section": shown_at, "message": message}
        return _render_editor(request, coe, status=UNPROCESSABLE, image_error=image_error)
    if _wants_json(request):
        return JsonResponse(
            {
                "id": image.pk,
                "url": image.get_absolute_url(),
                "thumbnail": image.thumbnail_url(),
                "markdown": image.markdown,
            },
            status=201,
        )
    messages.success(
        request, f"Image added. Put {image.markdown} where the section should show it."
    )
    key = section if section in TEXTS else "metrics"
    return redirect(f"{coe.get_absolute_url()}#part-{key}")


@require_POST
def coe_image_delete(request: HttpRequest, pk: int, image_pk: int) -> HttpResponse:
    coe = _get_coe_for_edit(request, pk)
    image = get_object_or_404(CoeImage, pk=image_pk, coe=coe)
    label = f"“{image.caption}”" if image.caption else "without a caption"
    services.coe_image_delete(image=image, actor=request.user)
    messages.success(request, f"Image {label} removed.")
    return redirect(f"{coe.get_absolute_url()}#images")
