import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, trigger_client_event

from incidents.models import Incident
from opsreview.org.keyset import CURSOR_PARAMETERS, keyset_page

from . import forms, selectors, services
from .models import (
    ADD_REFUSED,
    CHANGE_REFUSED,
    ActionItem,
)
from .templatetags.actions import incident_items_context, short_term_item_form

PAGE_SIZE = 50
# The teams with the most overdue items head the list; the rest are summed in one line.
OVERDUE_TEAMS_SHOWN = 20
logger = logging.getLogger(__name__)
UNPROCESSABLE = 422


# Action items


ITEM_FRAGMENT = "actions/action_item.html"
ITEM_CHANGED = "action-item-changed"  # the incident page and the COE checklist refresh on it


def action_list(request: HttpRequest) -> HttpResponse:
    filters = forms.ActionFilterForm(request.GET or None)
    criteria = dict(filters.cleaned_data) if filters.is_valid() else {}
    mine = request.GET.get("mine") == "1"
    if mine:
        criteria["owner"] = request.user
    items = selectors.with_changeable(selectors.action_item_list(**criteria), request.user)
    page = keyset_page(
        items, ordering=selectors.ACTION_LIST_ORDER, size=PAGE_SIZE, query=request.GET
    )
    query = request.GET.copy()
    for parameter in ("page", *CURSOR_PARAMETERS):
        query.pop(parameter, None)
    context = {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "mine": mine,
        "overdue": selectors.overdue_counts(most=OVERDUE_TEAMS_SHOWN),
    }
    return render(request, "actions/action_list.html", context)


def _get_item(pk: int) -> ActionItem:
    return get_object_or_404(
        ActionItem.objects.select_related(
            "owner", "team", "coe", "incident", "meeting", "created_by"
        ),
        pk=pk,
    )


def _get_item_for_change(request: HttpRequest, pk: int) -> ActionItem:
    item = _get_item(pk)
    if not item.can_be_changed_by(request.user):
        raise PermissionDenied(CHANGE_REFUSED)
    return item


def _item_history(item: ActionItem) -> list[dict]:
    """Who changed what, newest first, from the item's history records."""
    records = list(item.history.select_related("history_user").order_by("-history_date"))
    history = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        changes = record.diff_against(previous).changes if previous else []
        history.append({"record": record, "changes": changes})
    return history


def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_item(pk)
    can_change = item.can_be_changed_by(request.user)
    form = forms.ActionItemEditForm(
        request.POST or None, initial=forms.ActionItemEditForm.initial_for(item)
    )
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied(CHANGE_REFUSED)
        if form.is_valid():
            try:
                services.action_item_update(
                    item=item, actor=request.user, changes=form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Saved.")
                return redirect(item)
    item.can_change = can_change
    context = {"item": item, "form": form, "history": _item_history(item)}
    return render(
        request, "actions/action_detail.html", context, status=UNPROCESSABLE if form.errors else 200
    )


def _item_changed(request: HttpRequest, item: ActionItem, message: str) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect(_safe_next(request) or item.get_absolute_url())
    item = _get_item(item.pk)
    selectors.mark_changeable([item], request.user)
    response = render(request, ITEM_FRAGMENT, {"item": item})
    return trigger_client_event(response, ITEM_CHANGED)


def _item_refused(request: HttpRequest, item: ActionItem, error: str) -> HttpResponse:
    if not request.htmx:
        messages.error(request, error)
        return redirect(_safe_next(request) or item.get_absolute_url())
    selectors.mark_changeable([item], request.user)
    return render(request, ITEM_FRAGMENT, {"item": item, "error": error}, status=UNPROCESSABLE)


def _safe_next(request: HttpRequest) -> str:
    """A path on this site to go back to; anything else (a view name, say) is ignored."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return target if target.startswith("/") and allowed else ""


def _status_change(service, done_message: str):
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        item = _get_item_for_change(request, pk)
        try:
            service(item=item, actor=request.user)
        except ValidationError as error:
            return _item_refused(request, item, " ".join(error.messages))
        return _item_changed(request, item, done_message)

    return view


action_start = _status_change(services.action_item_start, "Started.")
action_complete = _status_change(services.action_item_complete, "Done. Thank you.")
action_reopen = _status_change(services.action_item_reopen, "Reopened.")


@require_POST
def action_wont_do(request: HttpRequest, pk: int) -> HttpResponse:
    item = _get_item_for_change(request, pk)
    form = forms.WontDoForm(request.POST)
    if form.has_error("reason", "max_length"):
        return _item_refused(request, item, " ".join(form.errors["reason"]))
    if not form.is_valid():
        return _item_refused(request, item, "Say why this item won't be done.")
    try:
        services.action_item_wont_do(item=item, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _item_refused(request, item, " ".join(error.messages))
    return _item_changed(request, item, "Marked as won't do.")


@require_http_methods(["GET", "POST"])
def incident_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A short-term item raised during the event: it must be done before the incident resolves.

    The incident page shows this form in place; without JavaScript, or on a refusal, the form
    is shown on a page of its own.
    """
    incident = get_object_or_404(Incident.objects.prefetch_related("teams"), pk=pk)
    if not ActionItem.can_be_added_by(request.user, incident=incident):
        raise PermissionDenied(ADD_REFUSED)
    form = short_term_item_form(incident, request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_create(actor=request.user, incident=incident, **form.item_fields())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:  # the incident page refreshes itself on the event
                return trigger_client_event(reswap(HttpResponse(), "none"), ITEM_CHANGED)
            messages.success(request, "Short-term item added; it must be done to resolve.")
            return redirect(incident)
    status = UNPROCESSABLE if form.errors else 200
    if request.htmx:
        context = incident_items_context(request, incident, form=form)
        return render(request, "actions/incident_items.html", context, status=status)
    context = {"incident": incident, "form": form}
    return render(request, "actions/incident_item_add.html", context, status=status)
